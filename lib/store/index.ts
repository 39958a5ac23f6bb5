export { openStore, openStoreDeferred, sqlitePath } from './open-store';
export { DeferredStore } from './deferred-store';
export { DATA_DIR_ENV, DATABASE_URL_ENV, resolveStoreConfig, storeOptionsSchema } from './config';
export type { OpenStoreOptions, StoreConfig, StoreOptionsInput } from './config';
export {
  DEFAULT_THRESHOLDS,
  FightTracker,
  RateTracker,
  detectFights,
  detectFlapping,
  detectReconcileLoops,
} from './analysis';
export type { AnalysisThresholds, FieldEvent, Streak, WriteEvent } from './analysis';
export { BASE_BUCKET_MS, objectKey } from './store-core';
export { canonicalJson, isRedactionMarker, isSecretValuePath, storeValue } from './values';
export * from './types';
