/**
 * The drift configuration file (YAML or JSON): ignore rules and diff options. Validated once at
 * the edge with zod; the engine only ever sees plain DiffOptions.
 */
import { z } from 'zod';
import { parseJsonPointer, parsePattern } from '../drift/path';
import { parseLabelSelector } from '../drift/ignore-rules';
import type { DiffOptions, IgnoreRule } from '../drift/types';
import { issueLines, issuePath } from './config-issues';

export { issuePath };

const nonEmpty = z.string().min(1);

const pathPattern = nonEmpty.superRefine((p, ctx) => {
  try {
    parsePattern(p);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
  }
});

const jsonPointer = z.string().superRefine((p, ctx) => {
  try {
    parseJsonPointer(p);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
  }
});

const labelSelectorString = z.string().superRefine((s, ctx) => {
  try {
    parseLabelSelector(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
  }
});

/**
 * Whether `k` is a label key, and `v` a label value, by the rules of the string form's parser
 * (parseLabelSelector, as the API server checks labels), so that both forms of a selector accept
 * the same labels: each is read back through it and must come out unchanged.
 */
function isLabelKey(k: string): boolean {
  try {
    const sel = parseLabelSelector(k);
    const only = sel.matchExpressions ?? [];
    return Object.keys(sel.matchLabels ?? {}).length === 0 && only.length === 1 && only[0]?.operator === 'Exists' && only[0].key === k;
  } catch {
    return false;
  }
}

function isLabelValue(v: string): boolean {
  try {
    const sel = parseLabelSelector(`k=${v}`);
    return (sel.matchExpressions ?? []).length === 0 && Object.keys(sel.matchLabels ?? {}).length === 1 && sel.matchLabels?.k === v;
  } catch {
    return false;
  }
}

const LABEL_KEY_RULE = 'a label key is an optional DNS-subdomain prefix and `/`, then at most 63 letters, digits, `-`, `_` or `.`, beginning and ending with a letter or digit';
const LABEL_VALUE_RULE = 'a label value is empty or at most 63 letters, digits, `-`, `_` or `.`, beginning and ending with a letter or digit';

const labelKey = z.string().refine(isLabelKey, { error: (i) => `${JSON.stringify(i.input)} is not a label key (${LABEL_KEY_RULE})` });
const labelValue = z.string().refine(isLabelValue, { error: (i) => `${JSON.stringify(i.input)} is not a label value (${LABEL_VALUE_RULE})` });

const labelRequirement = z
  .object({
    key: labelKey,
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
    values: z.array(labelValue).optional(),
  })
  .strict()
  // As the API server validates a selector. An empty list is not harmless here: NotIn nothing
  // matches every object, so the rule would hide drift cluster-wide, and In nothing matches none.
  .superRefine((r, ctx) => {
    const n = r.values?.length ?? 0;
    if ((r.operator === 'In' || r.operator === 'NotIn') && n === 0) {
      const effect = r.operator === 'NotIn' ? 'without one it would match every object' : 'without one it would match no object';
      ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${r.operator} needs at least one value (${effect})` });
    }
    if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && n > 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${r.operator} takes no values (leave \`values\` out)` });
    }
  });

const labelSelector = z.union([
  labelSelectorString,
  z
    .object({
      matchLabels: z.record(labelKey, labelValue).optional(),
      matchExpressions: z.array(labelRequirement).optional(),
    })
    .strict(),
]);

export const ignoreRuleSchema = z
  .object({
    path: pathPattern.optional(),
    jsonPointer: jsonPointer.optional(),
    managers: z.array(nonEmpty).min(1).optional(),
    ops: z.array(z.enum(['changed', 'missing', 'removed', 'added'])).min(1).optional(),
    group: z.string().optional(),
    kind: nonEmpty.optional(),
    namespace: nonEmpty.optional(),
    name: nonEmpty.optional(),
    labelSelector: labelSelector.optional(),
    reason: nonEmpty.optional(),
  })
  .strict()
  .refine((r) => r.path === undefined || r.jsonPointer === undefined, { message: 'give either path or jsonPointer, not both' })
  .refine((r) => r.path !== undefined || r.jsonPointer !== undefined || r.managers !== undefined || r.ops !== undefined, {
    message: 'a rule needs a path, a jsonPointer, managers or ops (a rule matching everything would hide all drift)',
  });

export const driftConfigSchema = z
  .object({
    fieldManager: nonEmpty.optional(),
    ignoreAggregatedRoleRules: z.boolean().optional(),
    ignoreListOrder: z.boolean().optional(),
    ignoreManagers: z.array(nonEmpty).optional(),
    ignoreRules: z.array(ignoreRuleSchema).optional(),
  })
  .strict();

export type DriftConfig = z.infer<typeof driftConfigSchema>;

export class DriftConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DriftConfigError';
  }
}

/** Validates a parsed config document; throws DriftConfigError listing every problem. */
export function parseDriftConfig(raw: unknown): DriftConfig {
  const res = driftConfigSchema.safeParse(raw ?? {});
  if (res.success) return res.data;
  throw new DriftConfigError(`invalid drift configuration:\n${issueLines(driftConfigSchema, res.error.issues).join('\n')}`);
}

export function diffOptionsFromConfig(cfg: DriftConfig): DiffOptions {
  const o: DiffOptions = {};
  if (cfg.fieldManager !== undefined) o.fieldManager = cfg.fieldManager;
  if (cfg.ignoreAggregatedRoleRules !== undefined) o.ignoreAggregatedRoleRules = cfg.ignoreAggregatedRoleRules;
  if (cfg.ignoreListOrder !== undefined) o.ignoreListOrder = cfg.ignoreListOrder;
  if (cfg.ignoreManagers !== undefined) o.ignoreManagers = cfg.ignoreManagers;
  if (cfg.ignoreRules !== undefined) o.ignoreRules = cfg.ignoreRules satisfies IgnoreRule[];
  return o;
}
