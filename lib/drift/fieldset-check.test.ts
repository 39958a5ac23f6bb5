/**
 * The comparison decides along its walk whether the desired manager's own field set could make
 * the removal walk report anything (WalkContext.fsSilent, by looking up and counting keys per
 * level). silentFieldset decides the same on its own; a wrong "silent" would hide a removal, a
 * wrong "not silent" only costs time. Both must agree on every field set, so this checks them
 * side by side on the field set an apply of the manifest records and on variants of it changed
 * at every level.
 */
import { describe, expect, it } from 'vitest';
import { syntheticDeployment, syntheticPod, syntheticService, syntheticWidget } from '../../testing/synthetic-objects';
import { DNode, K_ATOMIC, K_ATOMIC_MAP, K_LIST_MAP, K_MAP, K_SCALAR, K_SET, K_UNORDERED } from './compile';
import { diffNode, type RawChange, type WalkContext } from './compare';
import { silentFieldset } from './fieldset-index';
import { PreparedDesiredImpl, prepareDesired } from './prepare';

type Fieldset = Record<string, unknown>;

/** The field set server-side apply records for a compiled manifest: what it sets, no defaults. */
function appliedFieldset(n: DNode): Fieldset {
  const fs: Fieldset = {};
  if (n.kind === K_MAP) {
    for (const kid of n.kids) if (!kid.soft) fs[`f:${kid.name}`] = appliedFieldset(kid);
  } else if (n.kind === K_LIST_MAP) {
    n.kids.forEach((e, i) => {
      if (!e.soft && n.dup[i] !== true) fs[e.kKey] = { '.': {}, ...appliedFieldset(e) };
    });
  } else if (n.kind === K_SET) {
    for (const e of n.kids) if (e.kind === K_SCALAR) fs[`v:${JSON.stringify(e.value)}`] = {};
  }
  return fs;
}

/** Every object level of a field set, with the desired node it sits at (when there is one). */
function levels(fs: Fieldset, n: DNode | undefined, out: Array<[Fieldset, DNode | undefined]> = []): Array<[Fieldset, DNode | undefined]> {
  out.push([fs, n]);
  for (const [key, sub] of Object.entries(fs)) {
    if (typeof sub !== 'object' || sub === null || key === '.') continue;
    let kid: DNode | undefined;
    if (n !== undefined && key.startsWith('f:')) kid = n.kids.find((k) => k.name === key.slice(2) && (n.kind === K_MAP || n.kind === K_ATOMIC_MAP));
    if (n !== undefined && key.startsWith('k:')) kid = n.kids.find((k) => k.kKey === key);
    levels(sub as Fieldset, kid, out);
  }
  return out;
}

/** A field a manifest's node may hold a default for, so its key names a default here. */
function softKey(n: DNode | undefined): string | undefined {
  const soft = n?.kind === K_MAP ? n.kids.find((k) => k.soft) : undefined;
  return soft !== undefined ? `f:${soft.name}` : undefined;
}

type Mutation = (level: Fieldset, n: DNode | undefined) => boolean;

const mutations: Record<string, Mutation> = {
  'an unknown field': (level) => {
    level['f:zzzUnknown'] = {};
    return true;
  },
  'a field below it': (level) => {
    level['f:aaaUnknown'] = { 'f:inner': {} };
    return true;
  },
  'one key less': (level) => {
    const key = Object.keys(level).find((k) => k !== '.');
    if (key === undefined) return false;
    delete level[key];
    return true;
  },
  'a default the manifest does not set': (level, n) => {
    const key = softKey(n);
    if (key === undefined) return false;
    level[key] = {};
    return true;
  },
  'an element the manifest lists twice': (level, n) => {
    const i = n?.kind === K_LIST_MAP ? n.dup.indexOf(true) : -1;
    const e = n?.kids[i];
    if (e === undefined) return false;
    level[e.kKey] = { '.': {}, 'f:name': {} };
    return true;
  },
  'an element key at a map level': (level) => {
    level['k:{"name":"nope"}'] = { '.': {} };
    return true;
  },
  'a set member': (level) => {
    level['v:"nope"'] = {};
    return true;
  },
  'a dot only': (level) => {
    level['.'] = {};
    return true;
  },
};

/** fsSilent after the report-mode walk, beside silentFieldset on the same field set. */
function verdicts(p: PreparedDesiredImpl, live: unknown, fs: Fieldset): { walk: boolean; reference: boolean } {
  const out: RawChange[] = [];
  const cx: WalkContext = { out, orderMatters: true, fsSilent: true };
  diffNode(p.root, live, cx, fs);
  return { walk: cx.fsSilent, reference: silentFieldset(fs, p.root) };
}

const manifests = [
  syntheticDeployment('ns', 1).manifest,
  syntheticService('ns', 2).manifest,
  syntheticPod('ns', 3).manifest,
  syntheticWidget('ns', 'example.com', 4).manifest,
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', finalizers: ['example.com/a', 'example.com/b'] },
    spec: {
      containers: [
        { name: 'a', image: 'x', args: ['--x'], ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'UDP' }] },
        { name: 'a', image: 'dup' },
      ],
      nodeSelector: { disk: 'ssd' },
      tolerations: [{ key: 'k', operator: 'Exists' }],
    },
  },
];

describe('the walk decides field-set silence as silentFieldset does', () => {
  it('covers nodes of every kind', () => {
    const kinds = new Set<number>();
    const visit = (n: DNode): void => {
      kinds.add(n.kind);
      n.kids.forEach(visit);
    };
    for (const m of manifests) visit((prepareDesired(m) as PreparedDesiredImpl).root);
    for (const k of [K_MAP, K_LIST_MAP, K_SET, K_ATOMIC, K_ATOMIC_MAP, K_SCALAR]) expect(kinds.has(k), `kind ${k}`).toBe(true);
    expect(K_UNORDERED).toBeGreaterThan(0);
  });

  for (const manifest of manifests) {
    const name = `${String(manifest.kind)} ${String((manifest.metadata as { name?: string }).name)}`;
    it(`${name}: the applied field set is silent, and every change at every level is judged alike`, () => {
      const p = prepareDesired(manifest) as PreparedDesiredImpl;
      const drifted = structuredClone(manifest) as Record<string, unknown>;
      // One live object as applied and one with a drifted and a missing field: the walk then
      // takes its reporting branches too.
      const spec = drifted.spec as Record<string, unknown> | undefined;
      if (spec !== undefined) for (const k of Object.keys(spec).slice(0, 2)) spec[k] = k === Object.keys(spec)[0] ? undefined : 'drifted';
      let judged = 0;
      for (const live of [manifest, drifted]) {
        const exact = appliedFieldset(p.root);
        expect(verdicts(p, live, exact)).toEqual({ walk: true, reference: true });
        const count = levels(exact, p.root).length;
        for (const [what, mutate] of Object.entries(mutations)) {
          for (let at = 0; at < count; at++) {
            const fs = appliedFieldset(p.root);
            const [level, node] = levels(fs, p.root)[at] as [Fieldset, DNode | undefined];
            if (!mutate(level, node)) continue;
            const v = verdicts(p, live, fs);
            expect(v.walk, `${what} at level ${at}: ${JSON.stringify(level)}`).toBe(v.reference);
            judged++;
          }
        }
      }
      expect(judged).toBeGreaterThan(20);
    });
  }
});
