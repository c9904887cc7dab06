import { startProxy, startUpstream, RawClient, type Upstream, type TestProxy } from './helpers';

let upstream: Upstream;
let proxy: TestProxy;

afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

test('an upstream that answers before a large upload is in relays its answer and closes the client connection', async () => {
  // Answers at once and keeps reading, as RFC 9112 §9.6 asks of a server that closes after answering.
  upstream = await startUpstream((req, res) => {
    res.writeHead(403, { 'content-type': 'application/xml' });
    res.end('<Error><Code>AccessDenied</Code></Error>');
  });
  proxy = await startProxy(upstream.url);
  const client = await RawClient.connect(proxy.port);
  await client.write('PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n');
  await client.write(Buffer.alloc(1024 * 1024, 1)).catch(() => undefined);
  const res = await client.readResponse(3000);
  expect(res?.status).toBe(403);
  expect(res?.headers.connection).toBe('close');
  expect(res?.body).toBe('<Error><Code>AccessDenied</Code></Error>');
  expect(await client.waitClosed()).toBe(true);
  await proxy.waitForExchanges(1);
  expect(proxy.logs.find((l) => l.event === 'exchange')).toMatchObject({ status: 403 });
});
