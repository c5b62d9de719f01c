import type { LauncherFactory } from '@envoys/envoy-core';
import { readIngestMetadata } from '../audit/metadata';
import { calibrationEntries, listProducts } from '../audit/products';
import { newestWeblog, weblogItem } from '../audit/weblog';
import { ingestionLauncher } from '../ingestion/ingestion';

/**
 * ingest-envoy --calibration DIR (CONTRACT 5.2): the calibration tables as
 * `<first fileSetId>.<timestamp>.caltables.tar` of products/ (without old weblog archives) and a fresh
 * weblog.tgz of the newest pipeline run; the input is the execution block that was calibrated.
 */
export const calibration: LauncherFactory = (context) =>
  ingestionLauncher(context, {
    async audit(dir, timestamp) {
      const metadata = await readIngestMetadata(dir, { fileSetIds: true, productLocator: 'execblock' });
      const products = await listProducts(dir);
      const entries = calibrationEntries(products);
      const weblog = await newestWeblog(dir);
      const selected = new Set(entries.map((entry) => entry.name));
      return {
        telescope: metadata.telescope,
        inputs: [{ type: 'execution_block', locator: metadata.productLocator as string }],
        science: [
          {
            type: 'calibration',
            item: {
              kind: 'tar',
              name: `${metadata.firstFileSetId}.${timestamp}.caltables.tar`,
              base: products.dir,
              members: entries.map((entry) => entry.name),
              gzip: false,
              bytes: products.files.filter((file) => selected.has(file.relative.split('/')[0] ?? '')).reduce((sum, file) => sum + file.size, 0),
            },
            ancillaries: [],
          },
        ],
        ancillaries: [{ type: 'pipeline_weblog', item: weblogItem(weblog) }],
      };
    },
  });
