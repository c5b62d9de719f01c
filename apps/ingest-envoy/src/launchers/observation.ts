import { InvalidInputError, MissingInputError, type LauncherFactory } from '@envoys/envoy-core';
import { readIngestMetadata } from '../audit/metadata';
import { inDir } from '../audit/processing-dir';
import { describeEntry, listTree } from '../audit/tree';
import { ingestionLauncher } from '../ingestion/ingestion';
import { requireBareName } from '../naming';

/**
 * ingest-envoy --observation DIR SDM_ID (CONTRACT 5.2): the SDM directory DIR/rawdata/SDM_ID as one execution
 * block, staged whole under its own name (the one manifest filename that names a directory); no input group.
 */
export const observation: LauncherFactory = (context) =>
  ingestionLauncher(context, {
    async audit(dir) {
      const sdmId = requireBareName(context.commandLine.args['SDM_ID'] ?? '', 'SDM_ID');
      const metadata = await readIngestMetadata(dir, {});
      const path = inDir(dir, 'rawdata', sdmId);
      const entry = await describeEntry(path, dir);
      if (entry.kind !== 'directory') throw new InvalidInputError(`${path} is not a directory (an SDM is a directory)`);
      const tree = await listTree(path, dir);
      if (tree.files.length === 0) throw new MissingInputError(`${path} holds no files: there is no execution block to ingest`);
      return {
        telescope: metadata.telescope,
        inputs: [],
        science: [{ type: 'execution_block', item: { kind: 'tree', name: sdmId, source: path, tree }, ancillaries: [] }],
        ancillaries: [],
      };
    },
  });
