// The bench jobs: each runs the same work with sluice and its peers. The
// first variant of a job is the sluice one; ratios are peer time / sluice time.

const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

export function defineJobs({ sluice, peers, data, benchDir }) {
  const words = q(`${data}/words.ndjson`);
  const corpus = q(`${data}/corpus.txt`);
  const keys = q(`${data}/keys.ndjson`);
  const ndjson = (bin) => q(`${peers}/${bin}`);
  const splitWords = `map --flat 'r.value.split(" ")'`;
  return [
    {
      id: 'map',
      title: "identity map over 2M records (`sluice map 'r'`)",
      variants: [
        { tool: 'sluice', cmd: `${sluice} map r < ${words}` },
        { tool: 'jq', cmd: `jq -c . < ${words}` },
        { tool: 'mlr', cmd: `mlr --ijsonl --ojsonl cat < ${words}` },
        { tool: 'ndjson-map', cmd: `${ndjson('ndjson-map')} d < ${words}` },
      ],
    },
    {
      id: 'filter',
      title: "filter over 2M records (`sluice filter 'r.word.length > 3'`)",
      variants: [
        { tool: 'sluice', cmd: `${sluice} filter 'r.word.length > 3' < ${words}` },
        { tool: 'jq', cmd: `jq -c 'select(.word|length > 3)' < ${words}` },
        { tool: 'mlr', cmd: `mlr --ijsonl --ojsonl filter 'strlen($word) > 3' < ${words}` },
        { tool: 'ndjson-filter', cmd: `${ndjson('ndjson-filter')} 'd.word.length > 3' < ${words}` },
      ],
    },
    {
      id: 'reduce',
      title: 'count per key over 2M records (`sluice reduce-by-key word --count`)',
      variants: [
        { tool: 'sluice', cmd: `${sluice} reduce-by-key word --count < ${words}` },
        { tool: 'mlr', cmd: `mlr --ijsonl --ojsonl count -g word < ${words}` },
        { tool: 'ndjson-reduce', cmd: `${ndjson('ndjson-reduce')} 'p[d.word] = (p[d.word] || 0) + 1, p' '{}' < ${words}` },
      ],
    },
    {
      id: 'wordcount',
      title: 'word count of the 10M-word corpus',
      variants: [
        { tool: 'sluice', cmd: `${sluice} source file ${corpus} | ${sluice} ${splitWords} | ${sluice} reduce-by-key value --count | ${sluice} sink` },
        { tool: 'sluice run', cmd: `${sluice} run ${q(`source file ${corpus.slice(1, -1)} | ${splitWords} | reduce-by-key value --count | sink`)}` },
        { tool: 'mawk', cmd: `mawk '{for(i=1;i<=NF;i++) c[$i]++} END {for (w in c) print w, c[w]}' < ${corpus}` },
        { tool: 'sort | uniq -c', cmd: `tr -s ' ' '\\n' < ${corpus} | LC_ALL=C sort | uniq -c` },
      ],
    },
    {
      id: 'keys',
      title: 'count per key over 1M distinct keys',
      variants: [
        { tool: 'sluice', cmd: `${sluice} reduce-by-key key --count < ${keys}` },
        { tool: 'mlr', cmd: `mlr --ijsonl --ojsonl count -g key < ${keys}` },
      ],
    },
    {
      id: 'framing',
      title: 'framing micro-bench: read and JSON.parse the 2M records',
      variants: [
        { tool: 'LineFramer', cmd: `node ${q(`${benchDir}/framing.mjs`)} lineframer ${words}` },
        { tool: 'split2', cmd: `node ${q(`${benchDir}/framing.mjs`)} split2 ${words}` },
        { tool: 'ndjson', cmd: `node ${q(`${benchDir}/framing.mjs`)} ndjson ${words}` },
      ],
    },
  ];
}

/** The six targets of issue 5. `m(job, tool)` gives the medians { seconds, rssMB }. */
export const targets = [
  { id: 1, text: "map 'r' >= 2.5x jq -c .", check: (m) => faster(m('map', 'jq'), m('map', 'sluice'), 2.5) },
  { id: 2, text: 'filter >= 4x jq select', check: (m) => faster(m('filter', 'jq'), m('filter', 'sluice'), 4) },
  { id: '3a', text: 'reduce-by-key --count >= 5x mlr count -g', check: (m) => faster(m('reduce', 'mlr'), m('reduce', 'sluice'), 5) },
  { id: '3b', text: 'reduce-by-key --count >= 3x ndjson-reduce', check: (m) => faster(m('reduce', 'ndjson-reduce'), m('reduce', 'sluice'), 3) },
  { id: '4a', text: 'word count, 4-process pipe <= 2.5x mawk', check: (m) => slower(m('wordcount', 'sluice'), m('wordcount', 'mawk'), 2.5) },
  { id: '4b', text: 'word count, sluice run <= 1.6x mawk', check: (m) => slower(m('wordcount', 'sluice run'), m('wordcount', 'mawk'), 1.6) },
  {
    id: '5a',
    text: 'streaming stages < 100 MB RSS',
    check: (m) => {
      const worst = Math.max(...['map', 'filter', 'reduce', 'wordcount'].map((j) => m(j, 'sluice').rssMB), m('wordcount', 'sluice run').rssMB);
      return { value: `max ${worst.toFixed(0)} MB`, pass: worst < 100 };
    },
  },
  { id: '5b', text: 'reduce-by-key, 1M distinct keys < 300 MB', check: (m) => ({ value: `${m('keys', 'sluice').rssMB.toFixed(0)} MB`, pass: m('keys', 'sluice').rssMB < 300 }) },
];

function faster(peer, sluice, at) {
  const ratio = peer.seconds / sluice.seconds;
  return { value: `${ratio.toFixed(2)}x`, pass: ratio >= at };
}

function slower(sluice, peer, at) {
  const ratio = sluice.seconds / peer.seconds;
  return { value: `${ratio.toFixed(2)}x`, pass: ratio <= at };
}
