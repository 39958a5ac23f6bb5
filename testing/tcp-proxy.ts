import net from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * A TCP proxy in front of the test cluster's API server, for network failures that a restart
 * cannot produce: a partition that drops packets silently (no FIN, no RST, the way a NAT or a
 * load balancer loses a connection) and connections cut all at once. The bytes are forwarded
 * untouched (TLS goes end to end); nothing here imitates the Kubernetes API.
 */
export interface TcpProxy {
  port: number;
  /** A copy of `kc` whose current cluster is reached through the proxy. */
  kubeconfigThrough(kc: KubeConfig): KubeConfig;
  /**
   * Silent partition: open connections stop carrying bytes in both directions without being
   * closed, and new connections are accepted but never reach the server.
   */
  partition(): void;
  /** New connections reach the server again. Connections caught in the partition stay dead. */
  heal(): void;
  /** Closes every open connection (the client sees the stream end). */
  dropConnections(): void;
  /** Connections currently open, forwarding or not. */
  openConnections(): number;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket | undefined;
  live: boolean;
}

/** `port`: listen on this one (a proxy closed earlier, back on its port: the server reachable again). */
export async function startTcpProxy(target: { host: string; port: number }, opts: { port?: number } = {}): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let partitioned = false;

  const server = net.createServer((client) => {
    const pair: Pair = { client, upstream: undefined, live: !partitioned };
    pairs.add(pair);
    const cleanup = () => {
      pairs.delete(pair);
      client.destroy();
      pair.upstream?.destroy();
    };
    client.on('error', cleanup);
    client.on('close', cleanup);
    if (!pair.live) {
      client.on('data', () => undefined); // swallowed
      return;
    }
    const upstream = net.connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on('error', cleanup);
    upstream.on('close', () => {
      // A closed upstream of a dead pair is invisible to the client, as in a real partition.
      if (pair.live) cleanup();
    });
    client.on('data', (d: Buffer) => {
      if (pair.live) upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (pair.live) client.write(d);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  const port = address.port;

  return {
    port,
    kubeconfigThrough(kc) {
      const current = kc.getCurrentCluster();
      if (!current) throw new Error('kubeconfig has no current cluster');
      const copy = new KubeConfig();
      copy.loadFromOptions({
        clusters: kc.clusters.map((c) => (c.name === current.name ? { ...c, server: `https://127.0.0.1:${port}` } : c)),
        users: kc.users,
        contexts: kc.contexts,
        currentContext: kc.currentContext,
      });
      return copy;
    },
    partition() {
      partitioned = true;
      for (const p of pairs) p.live = false;
    },
    heal() {
      partitioned = false;
    },
    dropConnections() {
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream?.destroy();
      }
    },
    openConnections() {
      return pairs.size;
    },
    async close() {
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream?.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
