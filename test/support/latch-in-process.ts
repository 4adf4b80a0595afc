import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/ops/logger.ts';
import { createServices, type ServiceOptions, type Services } from '../../src/services.ts';
import { tempDir, writeConfig } from './latch-process.ts';

// Latch composed in the test process (createServices + buildApp) on a free port, for tests that
// must reach inside (e.g. mark a browser as known, read the auth log through its API).
//
//   const latch = await startInProcess({ throttle: {...} });   // temp data dir
//   latch.services.knownDevices.issue(); ...
//   await latch.stop();

export interface InProcessLatch {
  url: string;
  dataDir: string;
  services: Services;
  stop(): Promise<void>;
}

/** `config` is merged over config/default.yaml as a LATCH_CONFIG file would be. */
export async function startInProcess(config: Record<string, unknown> = {}, dataDir = tempDir('latch-data-'), options: ServiceOptions = {}): Promise<InProcessLatch> {
  const file = writeConfig(tempDir('latch-config-'), config);
  const loaded = loadConfig({ env: { LATCH_DATA_DIR: dataDir }, file });
  const services = await createServices(loaded, createLogger('silent'), options);
  const server = http.createServer(buildApp(services).callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    services,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await services.close();
    },
  };
}
