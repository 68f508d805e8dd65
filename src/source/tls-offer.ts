import net from 'node:net';

// CLIENT_SSL in the capability flags of the server's greeting.
const CLIENT_SSL = 0x0800;

/**
 * Whether the server at host:port offers TLS, read from its greeting (the first packet it
 * sends, before any login), then the socket is closed. For `source.tls.mode = "preferred"`:
 * mysql2 either demands TLS or never asks. A server that cannot be reached, or greets with
 * an error, counts as offering it: the real connection then fails with the real reason.
 */
export function serverOffersTls(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let data = Buffer.alloc(0);
    const done = (offers: boolean): void => {
      socket.destroy();
      resolve(offers);
    };
    socket.setTimeout(timeoutMs, () => done(true));
    socket.on('error', () => done(true));
    socket.on('close', () => done(true));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length < 4) return;
      const length = data.readUIntLE(0, 3);
      if (data.length < 4 + length) return;
      done(capabilities(data.subarray(4, 4 + length)));
    });
  });
}

/** Protocol 10 greeting: version, NUL, server version, NUL, thread id (4), scramble (8), filler (1), capabilities (2). */
function capabilities(payload: Buffer): boolean {
  if (payload[0] !== 10) return true;
  const end = payload.indexOf(0, 1);
  const at = end + 1 + 4 + 8 + 1;
  if (end < 0 || payload.length < at + 2) return true;
  return (payload.readUInt16LE(at) & CLIENT_SSL) !== 0;
}
