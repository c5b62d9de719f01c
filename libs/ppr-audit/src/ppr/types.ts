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

/** The kinds of node the pipeline's XML reader (minidom) keeps inside an element. */
export type PprNodeKind = 'text' | 'cdata' | 'comment' | 'element' | 'instruction';

/**
 * An element's content as the pipeline's reader sees it: `nodes` counts its child nodes the way minidom has
 * them after normalize() (adjacent text merged, CDATA sections, comments, instructions and elements apart).
 * The pipeline reads a value only from exactly one node that is text.
 */
export interface PprContent {
  readonly nodes: number;
  readonly kinds: readonly PprNodeKind[];
  /** Text and CDATA directly inside, untrimmed, cut at 64 KiB (`truncated`). */
  readonly text: string;
  readonly truncated: boolean;
}

/** An element the envoy reads or replaces. */
export interface PprElement {
  /** The name as written, with its namespace prefix if any (`ns2:RelativePath`). */
  readonly name: string;
  readonly at: PprLocation;
  readonly span: PprElementSpan;
  readonly content: PprContent;
  /** Attributes as written (values with references resolved). */
  readonly attributes: Readonly<Record<string, string>>;
}

/** How often an element occurs at one place of the PPR, and its first occurrences. */
export interface PprOccurrences {
  readonly count: number;
  readonly first?: PprElement;
  readonly second?: PprElement;
}

/** A problem found while reading, placed at a byte offset so that problems can be listed in file order. */
export interface PprProblem {
  readonly offset: number;
  readonly text: string;
  /** Only a problem for this reader of the pipeline (a repeated ALMA element does not matter to the VLA reader). */
  readonly reader?: PipelineReader;
}

/** The pipeline's two PPR readers: runvlapipeline.py's (executevlappr.py) and runpipeline.py's (executeppr.py). */
export type PipelineReader = 'vla' | 'alma';

/**
 * What a streaming read of PPR.xml found. When `problems` is not empty the file could not be read as an
 * XML document (a directory, empty, malformed, too large...) and nothing else is reported.
 */
export interface PprReading {
  readonly path: string;
  /** The name used in messages: the path as the user gave it. */
  readonly label: string;
  readonly problems: readonly string[];
  readonly root?: { readonly name: string; readonly at: PprLocation };
  /** Elements that must occur a given number of times, by path of local names below the root ('A/B/C'). */
  readonly elements: ReadonlyMap<string, PprOccurrences>;
  /** Problems of repeated parts (each ProcessingCommand, Parameter, Intents, AsdmIdentifier), found on the way. */
  readonly partProblems: readonly PprProblem[];
  /** Number of ProcessingCommands, and the Command of the first ones. */
  readonly commandCount: number;
  readonly commands: readonly string[];
  /** AsdmDiskName of each AsdmIdentifier (ALMA), in order. */
  readonly asdmDiskNames: readonly string[];
}

/** A PPR that passed the audit for the reader its telescope selects: what the launchers need, typed. */
export interface PprDocument {
  readonly path: string;
  readonly label: string;
  /** The root element's name as written (`ns2:SciPipeRequest`). */
  readonly rootElement: string;
  readonly reader: PipelineReader;
  /** The telescope that chose the reader (metadata's when given, else the PPR's). */
  readonly telescope: string;
  /** The PPR's ProjectSummary/Telescope as written. */
  readonly pprTelescope?: string;
  readonly procedureTitle?: string;
  readonly rootDirectory: PprElement;
  /** The RelativePath the corrected copy replaces: DataSet's (VLA) or SchedBlockIdentifier's (ALMA). */
  readonly relativePath: PprElement;
  /** The data sets, each a directory in rawdata/: the SdmIdentifier (VLA) or every AsdmDiskName (ALMA). */
  readonly dataNames: readonly [string, ...string[]];
  readonly commandCount: number;
  /** The Command of the first ProcessingCommands, in order (hifv_importdata, ...). */
  readonly commands: readonly string[];
}

export type PprAudit = { readonly ok: true; readonly document: PprDocument } | { readonly ok: false; readonly problems: readonly string[] };
