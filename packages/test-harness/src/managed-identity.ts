// The App Service style managed identity endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER), as
// Container Apps provides it in Azure, pointed at a tenant simulator for this test process, so
// that a real ManagedIdentityCredential gets its tokens from the simulator.

const NAMES = ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER'] as const;

/**
 * Sets IDENTITY_ENDPOINT and IDENTITY_HEADER of this process to the simulator's `/msi/token`; the
 * returned function puts back what was there before (call it in afterAll).
 */
export function useManagedIdentityOf(simulator: { readonly url: string; readonly identityHeader: string }): () => void {
  const saved = NAMES.map((name) => [name, process.env[name]] as const);
  process.env.IDENTITY_ENDPOINT = `${simulator.url}/msi/token`;
  process.env.IDENTITY_HEADER = simulator.identityHeader;
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
