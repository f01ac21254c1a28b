import * as net from 'node:net';

/**
 * Whether `mlflow models serve` could bind `host:port`, found by binding it for a moment. A taken port
 * is reported before launch instead of after gunicorn has spent its retries on it; the server's own
 * "Connection in use" line still covers the race where something binds in between.
 * Resolves undefined when free, else why not.
 */
export function portProblem(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      switch (error.code) {
        case 'EADDRINUSE':
          resolve(`Port ${port} on ${host} is already in use. Choose another port.`);
          return;
        case 'EACCES':
          resolve(`Port ${port} needs administrator rights on this system. Choose a port above 1023.`);
          return;
        case 'EADDRNOTAVAIL':
        case 'ENOTFOUND':
          resolve(`'${host}' is not an address of this machine, so the server cannot listen on it.`);
          return;
        default:
          resolve(`Cannot listen on ${host}:${port}: ${error.message}`);
      }
    });
    // `exclusive` so a port held by another process of a cluster still counts as taken.
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}
