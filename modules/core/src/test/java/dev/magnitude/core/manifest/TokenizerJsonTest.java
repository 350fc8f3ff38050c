package dev.magnitude.core.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenizerJsonTest {
  private static TokenizerJson parse(String json) {
    return TokenizerJson.parse(json.replace('\'', '"').getBytes(StandardCharsets.UTF_8), "t.json");
  }

  @Test
  void aWordPieceFileNamesItsPadAndUnkTokens() {
    // ids 0..4 in the vocabulary, [MASK] added as 7: 8 ids
    TokenizerJson t = parse("{'model': {'type': 'WordPiece', 'unk_token': '[UNK]', 'vocab': "
        + "{'[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3, 'a': 4}}, 'added_tokens': [{'id': 7, 'content': '[MASK]'}]}");
    assertThat(t).isEqualTo(new TokenizerJson(8, 0, 1));
  }

  @Test
  void aPaddingSectionWinsAndRobertaStyleTokensAreFound() {
    TokenizerJson t = parse("{'padding': {'pad_id': 1}, 'model': {'type': 'BPE', 'vocab': "
        + "{'<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3, 'x': 4}}}");
    assertThat(t).isEqualTo(new TokenizerJson(5, 1, 3));
    // without the padding section, <pad> is found by name; without unk_token, <unk> too
    assertThat(parse("{'model': {'vocab': {'<s>': 0, '<pad>': 1, '<unk>': 2}}}")).isEqualTo(new TokenizerJson(3, 1, 2));
  }

  @Test
  void aUnigramListHasItsUnkIdAndPositionsAsIds() {
    TokenizerJson t = parse("{'model': {'type': 'Unigram', 'unk_id': 2, 'vocab': [['<pad>', 0], ['</s>', 0], ['<unk>', 0], ['x', -1.5]]}}");
    assertThat(t).isEqualTo(new TokenizerJson(4, 0, 2));
  }

  @Test
  void whatIsNotATokenizerIsRefusedInOneLine() {
    assertThatThrownBy(() -> parse("[1, 2]")).hasMessage("t.json is not a tokenizer.json: not a JSON object");
    assertThatThrownBy(() -> parse("{'model': {}}"))
        .hasMessage("t.json is not a tokenizer.json: model.vocab and added_tokens are missing or empty");
    assertThatThrownBy(() -> parse("{")).hasMessageStartingWith("t.json is not valid JSON: ").hasMessageNotContaining("\n");
    assertThat(parse("{'model': {'vocab': {'a': 0, 'b': 1}}}")).isEqualTo(new TokenizerJson(2, 0, -1));
  }
}
