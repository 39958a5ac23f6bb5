/** The field manager the e2e dashboard treats as the applier of its manifests. */
export const E2E_FIELD_MANAGER = 'e2e-gitops';
