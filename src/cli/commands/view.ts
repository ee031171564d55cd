import { defineCommand, numberArg, stringArg } from '../defineCommand.js';

export const command = defineCommand({
  name: 'view',
  summary: 'a local read-only web app over runs (curves, thresholds, per-class results) and their images',
  examples: ['hpaic view --dir demo-out/checkpoint --data demo-out/data', 'hpaic view --dir checkpoint --port 0', 'hpaic view --dir checkpoint --host 0.0.0.0 --port 8080'],
  options: {
    dir: { type: 'string', default: 'checkpoint', description: 'checkpoint folder holding the run folders' },
    data: { type: 'string', description: 'dataset root (train.csv, train.hdf5/test.hdf5): true labels and images for the gallery' },
    host: { type: 'string', description: 'address to listen on (default 127.0.0.1; anything else must be given here explicitly)' },
    port: { type: 'string', default: '8080', description: 'port (0: a free one)' },
  },
  async run(args) {
    const { startViewer } = await import('../../viewer/server.js');
    const host = stringArg(args, 'host');
    const viewer = await startViewer({ dir: stringArg(args, 'dir')!, data: stringArg(args, 'data'), host: host ?? '127.0.0.1', allowRemote: host !== undefined, port: numberArg(args, 'port', { integer: true, min: 0, max: 65535 }) });
    console.log(`hpaic view: ${viewer.url}`);
    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void viewer.close().then(done);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
});
