import { connect } from 'node:net';

/**
 * A Modbus/TCP client with no Modbus library: writes the given bytes (each chunk its own write,
 * a few ms apart, to exercise reassembly) and returns the raw bytes of `frames` complete
 * responses, split by their MBAP length field. Proves the wire format, not library-to-library.
 */
export function rawRequest(host: string, port: number, chunks: Buffer[], frames = 1, timeoutMs = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, host);
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no complete response after ${timeoutMs} ms; got ${buf.toString('hex') || 'nothing'}`));
    }, timeoutMs);
    const complete = (): boolean => {
      let off = 0;
      for (let n = 0; n < frames; n++) {
        if (buf.length < off + 6) return false;
        off += 6 + buf.readUInt16BE(off + 4);
        if (buf.length < off) return false;
      }
      return true;
    };
    sock.setNoDelay(true);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (complete()) {
        clearTimeout(timer);
        sock.end();
        resolve(buf);
      }
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.once('connect', async () => {
      for (const [i, c] of chunks.entries()) {
        if (i > 0) await new Promise((r) => setTimeout(r, 20));
        sock.write(c);
      }
    });
  });
}
