import { controlBody, ControlRecordError, looksLikeControl, PROTOCOL_VERSION, validateControl, type Control } from './control.js';
import { DataError, diagnostic } from './errors.js';

export type InputMode = 'unknown' | 'upstream' | 'own';

/**
 * The protocol side of one input stream of a stage: decides, line by line,
 * what is control and what is data. A stream is a sluice stream only when its
 * first non-blank line is a valid `start` record; from then on a line is
 * control only when it is shaped like one AND carries that start's token.
 * Everything else is data, so a data line can never pose as control (a forged
 * line lacks the random token). One instance per input, so a stage with
 * several inputs (merge, join) keeps one each.
 */
export class InputProtocol {
  mode: InputMode = 'unknown';
  private token: string | undefined;
  /** Lines shaped like control records that were read as data. */
  controlShapedData = 0;
  private firstControlShaped = 0;

  constructor(private readonly inputName: string) {}

  /**
   * A non-blank line at `lineNo`: its control record, or undefined when it is
   * data. Throws DataError for a malformed control record from the upstream,
   * and for a stream that opens with a control record of another version.
   */
  read(line: string, lineNo: number): Control | undefined {
    if (!looksLikeControl(line)) {
      if (this.mode === 'unknown') this.mode = 'own';
      return undefined;
    }
    const body = controlBody(line);
    if (this.mode === 'unknown') {
      if (body && typeof body['v'] === 'number' && body['v'] !== PROTOCOL_VERSION) {
        throw new DataError(`control record of protocol version ${body['v']}; this sluice speaks version ${PROTOCOL_VERSION} (run the same sluice version in every stage)`, `${this.inputName}:${lineNo}`);
      }
      if (body && body['type'] === 'start') {
        const start = this.validate(body, lineNo) as Extract<Control, { type: 'start' }>;
        this.mode = 'upstream';
        this.token = start.token;
        return start;
      }
      this.mode = 'own';
    } else if (this.mode === 'upstream' && body !== undefined && body['token'] === this.token) {
      const c = this.validate(body, lineNo);
      if (c.type === 'start') throw this.bad('a second start record in one stream', lineNo);
      return c;
    }
    if (this.controlShapedData++ === 0) this.firstControlShaped = lineNo;
    return undefined;
  }

  /** The end-of-run warning when data lines looked like control records, so nothing passes unnoticed. */
  summary(command: string): string | undefined {
    const n = this.controlShapedData;
    if (n === 0) return undefined;
    return diagnostic(
      command,
      this.inputName,
      `${n} data line${n === 1 ? '' : 's'} shaped like control records ${n === 1 ? 'was' : 'were'} read as data (first at line ${this.firstControlShaped}): control records are accepted only from a sluice stage, with its stream's token`,
    );
  }

  private validate(body: Record<string, unknown>, lineNo: number): Control {
    try {
      return validateControl(body);
    } catch (err) {
      if (err instanceof ControlRecordError) throw this.bad(err.message, lineNo);
      throw err;
    }
  }

  private bad(what: string, lineNo: number): DataError {
    return new DataError(`bad control record from the upstream sluice stage: ${what}`, `${this.inputName}:${lineNo}`);
  }
}
