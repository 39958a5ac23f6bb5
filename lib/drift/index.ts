/**
 * Driftwatch's drift engine: pure functions, no I/O. `prepareDesired` once per desired revision,
 * `diffPrepared` per live object; `diffObjects` does both.
 */
export { diffObjects, diffPrepared, DEFAULT_IGNORED_MANAGERS, isCrossVersionWarning } from './diff';
export { prepareDesired, DriftInputError, type PreparedDesired, type PrepareHints } from './prepare';
export type {
  DiffOptions,
  DriftReport,
  FieldChange,
  FieldOp,
  IgnoreRule,
  LabelSelector,
  LabelSelectorRequirement,
  ManagerRef,
  RedactedValue,
} from './types';
export {
  combineSchemaProviders,
  crdSchemaProvider,
  openApiV3SchemaProvider,
  type SchemaNode,
  type SchemaProvider,
} from './schema';
export { builtinSchemaProvider } from './list-keys';
export { formatPath, parsePath, parsePattern, patternMatches, PathSyntaxError, type PathSegment } from './path';
export { canonicalQuantity, quantitiesEqual } from './quantity';
export { parseManagedFields, ownerOf, type ManagedFieldsEntry } from './managed-fields';
export { IgnoreRuleError, compileIgnoreRules, labelsMatch, parseLabelSelector } from './ignore-rules';
