/**
 * A WebSocket client that never reads, as a stalled browser tab or a hostile peer would be: a
 * plain TCP socket with a small receive buffer (libc through FFI, since `Deno.connect` cannot set
 * `SO_RCVBUF`), the handshake written by hand, and nothing read after the 101 until the test asks.
 */

const AF_INET = 2;
const SOCK_STREAM = 1;
const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const POLLIN = 1;

let libc:
  | Deno.DynamicLibrary<{
    socket: { parameters: ["i32", "i32", "i32"]; result: "i32" };
    setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"]; result: "i32" };
    getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"]; result: "i32" };
    connect: { parameters: ["i32", "buffer", "u32"]; result: "i32" };
    write: { parameters: ["i32", "buffer", "usize"]; result: "isize" };
    read: { parameters: ["i32", "buffer", "usize"]; result: "isize" };
    poll: { parameters: ["buffer", "u64", "i32"]; result: "i32"; nonblocking: true };
    close: { parameters: ["i32"]; result: "i32" };
  }>
  | undefined;

function openLibc() {
  libc ??= Deno.dlopen("libc.so.6", {
    socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
    setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
    getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
    connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
    write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
    read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
    poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
    close: { parameters: ["i32"], result: "i32" },
  });
  return libc.symbols;
}

/** A frame the server sent (server frames are never masked). */
export interface ServerFrame {
  opcode: number;
  payload: Uint8Array;
}

/** An open socket that has not read anything since the handshake. */
export interface StalledSocket {
  /** The receive buffer the kernel granted (it doubles what was asked). */
  receiveBuffer: number;
  /**
   * Reads what the server sent until it sends a close frame or `timeoutMs` passes; answers the
   * close code and reason (undefined if none came) and how many data frames came before it.
   */
  readUntilClose(
    timeoutMs: number,
  ): Promise<{ code?: number; reason?: string; frames: number; bytes: number }>;
  /** Closes the TCP socket. */
  close(): void;
}

/** Connects to `127.0.0.1:port`, upgrades `path` and stops reading, with `SO_RCVBUF = rcvbuf`. */
export async function openStalledSocket(
  port: number,
  path: string,
  opts: { rcvbuf?: number } = {},
): Promise<StalledSocket> {
  const c = openLibc();
  const fd = c.socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw new Error("socket() failed");
  const size = new Int32Array([opts.rcvbuf ?? 4096]);
  // Before connect, so that the window the peer sees is small from the first segment.
  if (c.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, new Uint8Array(size.buffer), 4) !== 0) {
    throw new Error("setsockopt(SO_RCVBUF) failed");
  }
  const addr = new Uint8Array(16);
  new DataView(addr.buffer).setUint16(0, AF_INET, true);
  new DataView(addr.buffer).setUint16(2, port, false);
  addr.set([127, 0, 0, 1], 4);
  if (c.connect(fd, addr, 16) !== 0) throw new Error(`connect to port ${port} failed`);

  const readable = async (ms: number) => {
    const pfd = new Uint8Array(8);
    new DataView(pfd.buffer).setInt32(0, fd, true);
    new DataView(pfd.buffer).setInt16(4, POLLIN, true);
    return (await c.poll(pfd, 1n, ms)) > 0;
  };
  const chunk = new Uint8Array(64 * 1024);
  const readSome = async (ms: number): Promise<Uint8Array | null | undefined> => {
    if (!(await readable(ms))) return undefined;
    const n = Number(c.read(fd, chunk, BigInt(chunk.length)));
    return n <= 0 ? null : chunk.slice(0, n);
  };

  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
    `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
  const bytes = new TextEncoder().encode(request);
  if (Number(c.write(fd, bytes, BigInt(bytes.length))) !== bytes.length) {
    throw new Error("handshake write failed");
  }
  // Read the answer head byte by byte so that no frame after it is consumed.
  let head = "";
  const one = new Uint8Array(1);
  while (!head.endsWith("\r\n\r\n")) {
    if (!(await readable(10_000))) throw new Error(`no handshake answer on ${path}: ${head}`);
    if (Number(c.read(fd, one, 1n)) !== 1) throw new Error(`closed during handshake: ${head}`);
    head += String.fromCharCode(one[0]);
  }
  if (!head.startsWith("HTTP/1.1 101")) throw new Error(`${path} not upgraded: ${head}`);

  const granted = new Int32Array(1);
  const lenBuf = new Uint32Array([4]);
  c.getsockopt(
    fd,
    SOL_SOCKET,
    SO_RCVBUF,
    new Uint8Array(granted.buffer),
    new Uint8Array(lenBuf.buffer),
  );

  let open = true;
  return {
    receiveBuffer: granted[0],
    async readUntilClose(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let buf = new Uint8Array(0);
      let frames = 0;
      let bytes = 0;
      while (Date.now() < deadline) {
        const got = await readSome(Math.min(500, Math.max(1, deadline - Date.now())));
        if (got === null) break;
        if (got === undefined) continue;
        bytes += got.length;
        const joined = new Uint8Array(buf.length + got.length);
        joined.set(buf);
        joined.set(got, buf.length);
        buf = joined;
        for (;;) {
          const frame = parseFrame(buf);
          if (!frame) break;
          buf = buf.subarray(frame.size);
          if (frame.opcode === 8) {
            const p = frame.payload;
            const code = p.length >= 2 ? (p[0] << 8) | p[1] : undefined;
            return { code, reason: new TextDecoder().decode(p.subarray(2)), frames, bytes };
          }
          frames++;
        }
        buf = buf.slice();
      }
      return { frames, bytes };
    },
    close() {
      if (open) c.close(fd);
      open = false;
    },
  };
}

/** The first complete frame in `buf`, or undefined when more bytes are needed. */
function parseFrame(buf: Uint8Array): (ServerFrame & { size: number }) | undefined {
  if (buf.length < 2) return undefined;
  const opcode = buf[0] & 0x0f;
  let len = buf[1] & 0x7f;
  let at = 2;
  if (len === 126) {
    if (buf.length < 4) return undefined;
    len = (buf[2] << 8) | buf[3];
    at = 4;
  } else if (len === 127) {
    if (buf.length < 10) return undefined;
    len = Number(new DataView(buf.buffer, buf.byteOffset + 2, 8).getBigUint64(0));
    at = 10;
  }
  if (buf[1] & 0x80) throw new Error("server frames must not be masked");
  if (buf.length < at + len) return undefined;
  return { opcode, payload: buf.subarray(at, at + len), size: at + len };
}
