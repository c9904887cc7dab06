/** The plain forwarder a test gateway runs after the middleware: what an app's own proxying to OBS does. */
import * as http from 'node:http';
import * as https from 'node:https';

/**
 * Forwards the request to 127.0.0.1:`port` (the stand-in, over HTTPS when `agent` is an https.Agent) and
 * pipes the answer back; an upstream failure ends the client's connection.
 */
export function forwardTo(
  port: number,
  agent: http.Agent,
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const request = agent instanceof https.Agent ? https.request : http.request;
  return (req, res) => {
    const headers = { ...req.headers };
    delete headers.connection;
    const up = request(
      {
        host: '127.0.0.1',
        port,
        method: req.method,
        path: req.url,
        headers: { ...headers, host: `127.0.0.1:${port}` },
        agent,
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  };
}
