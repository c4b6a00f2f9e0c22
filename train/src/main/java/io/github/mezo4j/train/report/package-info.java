/** What a run shows and leaves behind: the progress bar, metrics.jsonl and the PNG plots. */
package io.github.mezo4j.train.report;
