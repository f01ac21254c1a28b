import * as http from 'node:http';
import type { RecordedRequest } from './mlflowServer';

/**
 * The REST baselines: the same requests the client made, sent again with nothing but a transport and
 * JSON.parse. `fetch` is the baseline the figures are judged against; node:http is the client's own
 * transport, shown beside it so transport differences are not mistaken for client overhead.
 */

export async function fetchReplay(baseUrl: string, requests: readonly RecordedRequest[]): Promise<unknown[]> {
  const answers: unknown[] = [];
  for (const request of requests) {
    const response = await fetch(`${baseUrl}${request.url}`, {
      method: request.method,
      body: request.body,
      headers: request.body === undefined ? undefined : { 'Content-Type': 'application/json' },
    });
    answers.push(JSON.parse(await response.text()));
  }
  return answers;
}

export class NodeHttpReplay {
  private readonly agent = new http.Agent({ keepAlive: true });

  constructor(private readonly baseUrl: string) {}

  async replay(requests: readonly RecordedRequest[]): Promise<unknown[]> {
    const answers: unknown[] = [];
    for (const request of requests) answers.push(JSON.parse(await this.text(request)));
    return answers;
  }

  private text(request: RecordedRequest): Promise<string> {
    return new Promise((resolve, reject) => {
      const payload = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
      const headers: Record<string, string> = payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {};
      const req = http.request(`${this.baseUrl}${request.url}`, { method: request.method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  dispose(): void {
    this.agent.destroy();
  }
}
