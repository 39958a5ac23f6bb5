/**
 * The drift configuration file (YAML or JSON): ignore rules and diff options. Validated once at
 * the edge with zod; the engine only ever sees plain DiffOptions.
 */
import { z } from 'zod';
import { parseJsonPointer, parsePattern } from '../drift/path';
import { parseLabelSelector } from '../drift/ignore-rules';
import type { DiffOptions, IgnoreRule } from '../drift/types';
import { issueText } from './config-issues';

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

const labelSelector = z.union([
  labelSelectorString,
  z
    .object({
      matchLabels: z.record(z.string(), z.string()).optional(),
      matchExpressions: z
        .array(
          z
            .object({
              key: nonEmpty,
              operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
              values: z.array(z.string()).optional(),
            })
            .strict(),
        )
        .optional(),
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

/** `spec.rules[2].path` style location of a zod issue, for error messages. */
export function issuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(top level)' : out;
}

/** Validates a parsed config document; throws DriftConfigError listing every problem. */
export function parseDriftConfig(raw: unknown): DriftConfig {
  const res = driftConfigSchema.safeParse(raw ?? {});
  if (res.success) return res.data;
  const lines = res.error.issues.map((i) => `  ${issuePath(i.path)}: ${issueText(driftConfigSchema, i)}`);
  throw new DriftConfigError(`invalid drift configuration:\n${lines.join('\n')}`);
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
