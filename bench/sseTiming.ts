/**
 * Reads an OpenAI chat-completions SSE stream as it arrives and notes when each content token
 * landed, so time to first token and inter-token gaps are measured by the bench itself rather
 * than by a client library's buffering.
 */
export class SseTiming {
  /** performance.now() of the first and latest non-empty content delta; -1 until one arrives. */
  firstContentAt = -1;
  lastContentAt = -1;
  contentTokens = 0;
  /** Gaps between consecutive content deltas, in ms (0 when two came in one read). */
  readonly gaps: number[] = [];
  done = false;
  error: string | undefined;

  private readonly decoder = new TextDecoder();
  private buffer = '';

  feed(chunk: Uint8Array, at: number): void {
    let text = this.decoder.decode(chunk, { stream: true });
    if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
    this.buffer += text;
    for (let end = this.buffer.indexOf('\n\n'); end !== -1; end = this.buffer.indexOf('\n\n')) {
      const event = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.onEvent(event, at);
    }
  }

  private onEvent(event: string, at: number): void {
    let data: string | undefined;
    for (const line of event.split('\n')) {
      if (!line.startsWith('data:')) continue;
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      data = data === undefined ? value : `${data}\n${value}`;
    }
    if (data === undefined) return;
    if (data === '[DONE]') {
      this.done = true;
      return;
    }
    let frame: { error?: { message?: string }; choices?: { delta?: { content?: unknown } }[] };
    try {
      frame = JSON.parse(data);
    } catch {
      this.error = 'unparseable SSE frame';
      return;
    }
    if (frame.error) {
      this.error = frame.error.message ?? 'error frame';
      return;
    }
    const content = frame.choices?.[0]?.delta?.content;
    if (typeof content !== 'string' || content.length === 0) return;
    if (this.firstContentAt < 0) this.firstContentAt = at;
    else this.gaps.push(at - this.lastContentAt);
    this.lastContentAt = at;
    this.contentTokens++;
  }
}
