import { UsageError } from '../engine/errors.js';

/**
 * Splits a `sluice run` pipeline into stages of words, with the shell's quoting
 * rules where they matter here: '...' is literal, "..." allows \" \\ \$ \` and
 * keeps other backslashes, a backslash outside quotes escapes the next
 * character, and an unquoted | separates stages.
 */
export function splitPipeline(text: string): string[][] {
  const stages: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endStage = () => {
    endWord();
    if (words.length === 0) throw new UsageError(`empty stage in pipeline '${text}'`);
    stages.push(words);
    words = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close === -1) throw new UsageError(`unterminated ' in pipeline '${text}'`);
      word += text.slice(i + 1, close);
      inWord = true;
      i = close;
    } else if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1]!)) j++;
        word += text[j];
      }
      if (j >= text.length) throw new UsageError(`unterminated " in pipeline '${text}'`);
      i = j;
    } else if (c === '\\') {
      if (i + 1 < text.length) word += text[++i];
      inWord = true;
    } else if (c === '|') {
      endStage();
    } else if (c === ' ' || c === '\t' || c === '\n') {
      endWord();
    } else {
      word += c;
      inWord = true;
    }
  }
  endStage();
  return stages;
}
