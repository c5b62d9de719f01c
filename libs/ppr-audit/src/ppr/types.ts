/**
 * Where an element starts: the byte offset of its `<` in the file as stored (a BOM included) and its 1-based
 * line and column (columns count UTF-16 units, as sax and most editors do).
 */
export interface PprLocation {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/** A half-open range [start, end) of bytes in the file as stored. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The bytes an element occupies. `content` lies between the start and end tag; a self-closing element has
 * none, so a correction must rewrite the whole element.
 */
export type PprElementSpan =
  | { readonly selfClosing: true; readonly element: ByteRange }
  | { readonly selfClosing: false; readonly element: ByteRange; readonly content: ByteRange };

/** An element whose text the envoy reads (and for RootDirectory and RelativePath, replaces). */
export interface PprElement {
  /** The name as written, with its namespace prefix if any (`ns2:RelativePath`). */
  readonly name: string;
  /** Text and CDATA directly inside the element, untrimmed; comments are not part of it. */
  readonly text: string;
  readonly hasChildElements: boolean;
  readonly at: PprLocation;
  readonly span: PprElementSpan;
}

/** One ProcessingRequest/DataSet as found, before the audit: every child is a list to catch repeats. */
export interface PprDataSetReading {
  readonly at: PprLocation;
  readonly relativePaths: readonly PprElement[];
  readonly sdmIdentifiers: readonly PprElement[];
  readonly dataTypes: readonly PprElement[];
}

/** One ProcessingProcedure/ProcessingCommand as found, before the audit. */
export interface PprCommandReading {
  readonly at: PprLocation;
  readonly commands: readonly PprElement[];
}

/**
 * What a streaming read of PPR.xml found. When `problems` is not empty the file could not be read as an
 * XML document (a directory, empty, malformed, too large...) and nothing else is reported.
 */
export interface PprReading {
  /** The path read. */
  readonly path: string;
  /** The name used in messages: the path as the user gave it. */
  readonly label: string;
  readonly problems: readonly string[];
  readonly root?: { readonly name: string; readonly at: PprLocation };
  /** Leaf fields of ProjectSummary by local name (Telescope, ProposalCode, ...), trimmed. */
  readonly projectSummary: Readonly<Record<string, string>>;
  readonly rootDirectories: readonly PprElement[];
  readonly dataSets: readonly PprDataSetReading[];
  readonly procedureTitles: readonly PprElement[];
  readonly processingCommands: readonly PprCommandReading[];
}

/** A DataSet that passed the audit. */
export interface PprDataSet {
  readonly at: PprLocation;
  /** The original (usually stale) RelativePath; the corrected copy replaces it. */
  readonly relativePath: PprElement;
  /** Trimmed; a bare name: the data are in `rawdata/<sdmIdentifier>`. */
  readonly sdmIdentifier: string;
  readonly dataType?: string;
}

/** A PPR that passed the audit (SPEC 4.4): what the launchers need, typed. */
export interface PprDocument {
  readonly path: string;
  readonly label: string;
  /** The root element's name as written (`ns2:SciPipeRequest`). */
  readonly rootElement: string;
  readonly projectSummary: Readonly<Record<string, string>>;
  /**
   * The telescope (selects CASA's runner script). From the PPR's ProjectSummary/Telescope; auditInputs
   * prefers metadata.json's projectMetadata.telescope (SPEC 4.7).
   */
  readonly telescope?: string;
  readonly procedureTitle?: string;
  readonly rootDirectory: PprElement;
  readonly dataSets: readonly [PprDataSet, ...PprDataSet[]];
  /** The Command of each ProcessingCommand, in order (hifv_importdata, ...). */
  readonly commands: readonly [string, ...string[]];
}

export type PprAudit = { readonly ok: true; readonly document: PprDocument } | { readonly ok: false; readonly problems: readonly string[] };
