/** Network helpers shared by the test tiers (unit, integration in the extension host, UI, real engine). */
import * as net from 'node:net';

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now: the OS picks one, it is bound and released.
 * Used both to start servers on and as a "server is down" address.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
