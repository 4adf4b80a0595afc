import https from 'node:https';

// The Duo Universal SDK for Node.js makes its own https.Agent with the vendor's CA certificates
// pinned (`new https.Agent({ ca: DUO_PINNED_CERT })`) and has no option to change them. To let a
// test process reach Latch with a throwaway CA, without touching the SDK's files, https.Agent is
// replaced by a subclass that puts our CA in place of the pinned ones, before the SDK makes a
// client. docs/ssh-and-console.md shows integrators the same for their private CA.

export function trustOnlyThisCa(caPem: string): void {
  const Pinned = https.Agent;
  class TrustingAgent extends Pinned {
    constructor(options?: https.AgentOptions) {
      super({ ...options, ca: caPem });
    }
  }
  Object.assign(https, { Agent: TrustingAgent });
}
