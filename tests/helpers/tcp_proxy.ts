/**
 * A TCP forwarder on a free loopback port, so a test can cut a client's link to a real broker while
 * the broker (and other clients) stay up: `cut()` drops live connections without an MQTT goodbye
 * (the broker then sends the will), `block()` also refuses new ones until `unblock()`.
 */

/** A running forwarder. */
export interface TcpProxy {
  port: number;
  /** Closes every forwarded connection now. */
  cut(): void;
  /** Cuts and refuses new connections (they are closed at once). */
  block(): void;
  /** Forwards new connections again. */
  unblock(): void;
  /** Connections forwarded so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/** Forwards `127.0.0.1:<port>` to `127.0.0.1:<targetPort>`. */
export function startProxy(targetPort: number): TcpProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const live = new Set<Deno.Conn>();
  let blocked = false;
  let accepted = 0;
  const close = (c: Deno.Conn) => {
    if (!live.delete(c)) return;
    try {
      c.close();
    } catch (err) {
      if (!(err instanceof Deno.errors.BadResource)) throw err;
    }
  };
  const pipe = async (from: Deno.Conn, to: Deno.Conn) => {
    await from.readable.pipeTo(to.writable).catch(() => undefined); // a cut ends the pipe
    close(from);
    close(to);
  };
  const loop = (async () => {
    for await (const conn of listener) {
      if (blocked) {
        conn.close();
        continue;
      }
      accepted++;
      const upstream = await Deno.connect({ hostname: "127.0.0.1", port: targetPort }).catch(
        () => undefined,
      );
      if (!upstream) {
        conn.close();
        continue;
      }
      live.add(conn).add(upstream);
      void pipe(conn, upstream);
      void pipe(upstream, conn);
    }
  })().catch(() => undefined); // the listener closed
  const cut = () => [...live].forEach(close);
  return {
    port: (listener.addr as Deno.NetAddr).port,
    cut,
    block() {
      blocked = true;
      cut();
    },
    unblock() {
      blocked = false;
    },
    get accepted() {
      return accepted;
    },
    async close() {
      cut();
      listener.close();
      await loop;
    },
  };
}
