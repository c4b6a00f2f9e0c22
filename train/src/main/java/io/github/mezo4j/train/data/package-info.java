/**
 * Tasks and their data: {@link io.github.mezo4j.train.data.Example} (one labelled text or text
 * pair, with raw named fields for decoder templates), {@link io.github.mezo4j.train.data.Task}
 * (labels, metric, readers, where the splits live), {@link io.github.mezo4j.train.data.Tasks} (the
 * built-in tasks by name, and custom tasks over a user's files), {@link
 * io.github.mezo4j.train.data.Dataset} (train and dev splits) and the TSV/CSV/JSONL readers, which
 * report a malformed row or an unknown label with its file and line.
 *
 * <pre>{@code
 * Task sst2 = Tasks.get("sst2");
 * Dataset full = sst2.load(SharedData.root("glue-sst2"));        // 67,349 train / 872 dev
 * Dataset k16 = sst2.loadKShot(SharedData.root("lmbff-kshot16"), 42); // 32 / 32
 * List<Example> extra = sst2.read(Path.of("my-sst2-style.tsv"));
 * }</pre>
 */
package io.github.mezo4j.train.data;
