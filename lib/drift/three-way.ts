/**
 * Three-way removal through `kubectl.kubernetes.io/last-applied-configuration`: a field the last
 * client-side apply wrote, that the manifest no longer has and that is still live, would be
 * deleted by the next apply. Candidates depend only on (desired revision, annotation text) and
 * are cached on the prepared desired side.
 */
import { DNode, K_LIST_MAP, K_MAP, K_SET, keySelector } from './compile';
import { findField } from './fieldset-index';
import { isKeySelector, isSetValue, type PathSegment } from './path';
import { cloneJson, isEmptyValue, isRecord, stripVolatile, VOLATILE_ANNOTATIONS, VOLATILE_METADATA } from './normalize';
import { foldStringData } from './secrets';
import type { Scalar } from './types';

export interface RemovalCandidate {
  segs: PathSegment[];
  /** The default the desired side has there, if any: a live value equal to it is not a removal. */
  soft: DNode | null;
  /** A value in a map of strings (a label): an empty string there is one, to be removed too. */
  mapValue?: true;
}

const Z_OTHER = 0;
const Z_ROOT = 1;
const Z_META = 2;
const Z_ANN = 3;
const ROOT_SKIP = new Set(['apiVersion', 'kind', 'status']);

function skipped(zone: number, name: string): boolean {
  if (zone === Z_ROOT) return ROOT_SKIP.has(name);
  // A manifest without a namespace means "the namespace it is applied to", not "remove it".
  if (zone === Z_META) return name === 'namespace' || VOLATILE_METADATA.has(name);
  if (zone === Z_ANN) return VOLATILE_ANNOTATIONS.has(name);
  return false;
}

function nextZone(zone: number, name: string): number {
  if (zone === Z_ROOT && name === 'metadata') return Z_META;
  if (zone === Z_META && name === 'annotations') return Z_ANN;
  return Z_OTHER;
}

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function walk(v: unknown, dn: DNode, zone: number, out: RemovalCandidate[]): void {
  if (dn.kind === K_MAP && isRecord(v)) {
    for (const k of Object.keys(v)) {
      if (zone !== Z_OTHER && skipped(zone, k)) continue;
      const lv = v[k];
      const mapValue = lv === '' && dn.freeForm;
      if (isEmptyValue(lv) && !mapValue) continue;
      const kid = dn.kidByName(k);
      if (kid !== undefined && !kid.soft) walk(lv, kid, nextZone(zone, k), out);
      else if (kid === undefined && zone === Z_META && isRecord(lv)) metadataMapRemovals([...dn.segs, k], lv, nextZone(zone, k), out);
      else out.push({ segs: [...dn.segs, k], soft: kid ?? null, ...(mapValue ? { mapValue: true as const } : {}) });
    }
  } else if (dn.kind === K_LIST_MAP && Array.isArray(v)) {
    for (const e of v) {
      if (!isRecord(e)) continue;
      const vals = dn.keys.map((k, j) => {
        const x = e[k];
        return isScalar(x) ? x : dn.keyDefaults[j];
      });
      let elem: DNode | undefined;
      for (let i = 0; i < dn.kids.length; i++) {
        const kv = dn.keyVals[i];
        if (kv !== undefined && kv.every((x, j) => x === vals[j])) {
          elem = dn.kids[i];
          if (dn.dup[i] === true) elem = undefined;
          break;
        }
      }
      if (elem !== undefined && !elem.soft) walk(e, elem, Z_OTHER, out);
      else if (!isEmptyValue(e) && !dn.dup.some((d, i) => d && dn.keyVals[i]?.every((x, j) => x === vals[j]))) {
        out.push({ segs: [...dn.segs, keySelector(dn.keys, vals)], soft: elem ?? null });
      }
    }
  } else if (dn.kind === K_SET && Array.isArray(v)) {
    for (const e of v) {
      if (!isScalar(e)) continue;
      if (findField(dn.fKeys, `v:${JSON.stringify(e)}`, 0) >= 0) continue;
      out.push({ segs: [...dn.segs, { value: e }], soft: null });
    }
  }
  // Scalars and atomic values are replaced by the desired value as a whole: nothing to remove.
}

/**
 * Labels or annotations the last apply wrote and the manifest no longer has at all: the next apply
 * removes those keys, not the map (others' keys stay). The map as a whole would also show the
 * annotations no apply owns, the last-applied one among them — on a Secret, its data.
 */
function metadataMapRemovals(segs: PathSegment[], applied: Record<string, unknown>, zone: number, out: RemovalCandidate[]): void {
  for (const k of Object.keys(applied)) {
    const v = applied[k];
    // Labels and annotations are strings: an empty one is a key the next apply removes too.
    if (skipped(zone, k) || (isEmptyValue(v) && v !== '')) continue;
    out.push({ segs: [...segs, k], soft: null, ...(v === '' ? { mapValue: true as const } : {}) });
  }
}

/** Parses the annotation and lists what the next apply would delete. Throws on invalid JSON. */
export function lastAppliedCandidates(root: DNode, annotation: string, secret: boolean): RemovalCandidate[] {
  const parsed: unknown = JSON.parse(annotation);
  if (!isRecord(parsed)) return [];
  const la = cloneJson(parsed) as Record<string, unknown>;
  stripVolatile(la);
  if (secret) foldStringData(la);
  const out: RemovalCandidate[] = [];
  walk(la, root, Z_ROOT, out);
  return out;
}

function matchesSelector(e: unknown, seg: PathSegment): boolean {
  if (!isRecord(e) || typeof seg !== 'object' || !isKeySelector(seg)) return false;
  for (const [k, v] of seg.keys) {
    let x = e[k];
    if ((x === undefined || x === null) && k === 'protocol') x = 'TCP';
    if (x !== v) return false;
  }
  return true;
}

/** The live value at a structural path, or undefined. */
export function valueAt(root: unknown, segs: ReadonlyArray<PathSegment>): unknown {
  let cur: unknown = root;
  for (const s of segs) {
    if (typeof s === 'string') {
      if (!isRecord(cur)) return undefined;
      cur = cur[s];
    } else if (typeof s === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[s];
    } else if (isSetValue(s)) {
      if (!Array.isArray(cur)) return undefined;
      cur = cur.includes(s.value) ? s.value : undefined;
    } else {
      if (!Array.isArray(cur)) return undefined;
      cur = cur.find((e) => matchesSelector(e, s));
    }
    if (cur === undefined || cur === null) return undefined;
  }
  return cur;
}
