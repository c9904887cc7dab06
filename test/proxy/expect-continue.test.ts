import { startProxy, startUpstream, RawClient, type Upstream, type TestProxy } from './helpers';

let upstream: Upstream;
let proxy: TestProxy;

beforeEach(async () => {
  upstream = await startUpstream();
  proxy = await startProxy(upstream.url);
});

afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

const HEAD = 'PUT /bucket/key HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nExpect: 100-continue\r\n';

test('a blocked request with Expect: 100-continue gets its 400 before any body byte is sent', async () => {
  const client = await RawClient.connect(proxy.port);
  await client.write(HEAD + 'x-test-block: 1\r\n\r\n');
  // No body has been written: the final answer must come anyway, and no 100 Continue before it.
  const res = await client.readResponse(3000);
  expect(res?.status).toBe(400);
  expect(res?.headers.connection).toBe('close');
  expect(res?.body).toContain('<Code>InvalidArgument</Code>');
  expect(await client.waitClosed()).toBe(true);
  expect(proxy.guard.calls.requests).toHaveLength(1);
  expect(upstream.received).toHaveLength(0);
  expect(upstream.connections()).toBe(0);
});

test('an allowed request gets 100 Continue (end to end, from the upstream) and then its body forwarded', async () => {
  const client = await RawClient.connect(proxy.port);
  await client.write(HEAD + '\r\n');
  const interim = await client.readResponse(3000);
  expect(interim?.status).toBe(100);
  // The upstream already has the head (it sent the 100), and no body yet.
  expect(upstream.received).toHaveLength(1);
  expect(upstream.received[0]!.headers.expect).toBe('100-continue');
  expect(upstream.received[0]!.bodyBytes).toBe(0);
  await client.write('hello world');
  const res = await client.readResponse(3000);
  expect(res?.status).toBe(200);
  await upstream.received[0]!.settled;
  expect(upstream.received[0]!.bodyBytes).toBe(11);
  expect(upstream.received[0]!.complete).toBe(true);
  client.destroy();
});

test('an upstream refusal before 100 Continue is relayed without asking for the body', async () => {
  await upstream.close();
  upstream = await startUpstream((req, res) => {
    res.writeHead(403, { 'content-type': 'application/xml', connection: 'close' });
    res.end('<Error><Code>AccessDenied</Code></Error>');
  });
  upstream.server.on('checkContinue', (req, res) => upstream.server.emit('request', req, res));
  await proxy.close();
  proxy = await startProxy(upstream.url);
  const client = await RawClient.connect(proxy.port);
  await client.write(HEAD + '\r\n');
  const res = await client.readResponse(3000);
  expect(res?.status).toBe(403);
  expect(res?.headers.connection).toBe('close');
  expect(res?.body).toBe('<Error><Code>AccessDenied</Code></Error>');
  expect(await client.waitClosed()).toBe(true);
});
