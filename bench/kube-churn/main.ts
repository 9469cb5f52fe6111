/**
 * `npm run bench -- kube-churn [--services N] [--endpoints N] [--rate N] [--duration S]
 * [--writes-per-second N] [--out FILE]`: the API server runs in a child process, weir's
 * Kubernetes side in this one. Prints the figures as JSON (and writes them to --out).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { apiSideMain, startChildApiSide } from './api-side.js';
import { runKubeChurn } from './churn.js';

async function main(): Promise<void> {
  if (process.argv[2] === '--api-side') {
    await apiSideMain(Number(process.argv[3]), Number(process.argv[4]));
    return;
  }
  const { values } = parseArgs({
    options: {
      services: { type: 'string', default: '2000' },
      endpoints: { type: 'string', default: '10' },
      rate: { type: 'string', default: '50' },
      duration: { type: 'string', default: '60' },
      'writes-per-second': { type: 'string', default: '20' },
      out: { type: 'string' },
    },
  });
  const options = {
    services: Number(values.services),
    endpoints: Number(values.endpoints),
    ratePerSecond: Number(values.rate),
    durationS: Number(values.duration),
    writesPerSecond: Number(values['writes-per-second']),
  };
  const api = await startChildApiSide(fileURLToPath(import.meta.url), options.services, options.endpoints);
  try {
    const result = await runKubeChurn(api, options);
    const text = JSON.stringify(result, null, 2);
    console.log(text);
    if (values.out) writeFileSync(values.out, `${text}\n`);
  } finally {
    await api.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
