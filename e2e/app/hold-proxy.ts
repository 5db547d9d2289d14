/**
 * A loopback proxy in front of the sync server that can lose a push's answer:
 * the push reaches the server and is applied, but its answer never reaches
 * the browser. (Playwright's `route.fetch` cannot do this in every browser:
 * Firefox over WebDriver BiDi gives the route no request body.)
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface HoldProxy {
  url: string;
  /** Resolves once the next push was answered by the server; that answer is kept from the browser. */
  loseNextPushAnswer(): Promise<number>;
  close(): Promise<void>;
}

/** Starts the proxy on `port`, forwarding to `target` (an http://host:port URL). */
export async function startHoldProxy(target: string, port: number): Promise<HoldProxy> {
  const to = new URL(target);
  let lose: ((status: number) => void) | undefined;
  const held: ServerResponse[] = [];
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const losing = lose && req.method === 'POST' && /\/push$/.test(req.url ?? '');
      if (losing) {
        const done = lose!;
        lose = undefined;
        answer.resume();
        answer.on('end', () => done(answer.statusCode ?? 0));
        held.push(res); // never answered: the browser hears nothing until the page goes away
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  };
  const server: Server = createServer(forward);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    loseNextPushAnswer: () => new Promise<number>((resolve) => (lose = resolve)),
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
