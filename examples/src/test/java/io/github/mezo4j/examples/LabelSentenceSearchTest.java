package io.github.mezo4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.io.TokenizerJson;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import io.github.mezo4j.train.head.PromptHead;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import io.github.mezo4j.train.trainer.Evaluation;
import io.github.mezo4j.train.trainer.LabeledTexts;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The search, which embeds each sentence once, scores as evaluating the prompt head does. */
class LabelSentenceSearchTest {
  @Test
  void zeroShotScoringEqualsThePromptHeadsEvaluation() throws Exception {
    BertCheckpoint checkpoint = MiniLm.load();
    TokenizerJson json = checkpoint.tokenizer().orElseThrow();
    WordPieceTokenizer tokenizer = WordPieceTokenizer.fromJson(json.text(), json.source());
    int pad = checkpoint.config().padTokenId();
    BertEncoder encoder = BertEncoder.of(checkpoint.config(), checkpoint.parameters());
    List<String> labels = List.of("Overall, it was awful.", "Overall, it was wonderful.");
    EncoderClassifier prompt =
        EncoderClassifier.meanPooled(encoder, tokenizer, PromptHead.of(labels, 20, tokenizer, pad));
    LabeledTexts set =
        LabeledTexts.of(
            List.of(
                "a gorgeous, witty film",
                "the plot is a mess and the acting is worse",
                "nothing here works",
                "one of the best films of the year",
                "tedious"),
            new int[] {1, 0, 0, 1, 0},
            List.of("negative", "positive"));
    try (Workers workers = Workers.of(2)) {
      Evaluation expected = prompt.evaluate(prompt.batch(prompt.tokenize(set)), workers);
      LabelSentenceSearch.Embedded rows = LabelSentenceSearch.Embedded.of(prompt, set, workers);
      Evaluation actual =
          rows.evaluate(
              prompt.head().scorer(prompt.embedder(), workers, VirtualPerturbation.none()), 2);
      assertEquals(expected.accuracy(), actual.accuracy());
      assertEquals(expected.loss(), actual.loss(), 1e-6);
    }
  }
}
