/** The field manager the e2e dashboard treats as the applier of its manifests. */
export const E2E_FIELD_MANAGER = 'e2e-gitops';

/** Port of the allow-listed second origin (global-setup picks it; the embed tests listen on it). */
export const E2E_EMBED_PORT_ENV = 'DRIFTWATCH_E2E_EMBED_PORT';

/** The e2e dashboard's embed token key (tests sign their own tokens with it). */
export const E2E_EMBED_TOKEN_SECRET = 'e2e-embed-token-secret-0123456789abcdef';
