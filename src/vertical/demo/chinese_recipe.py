"""The recipe of the Chinese demo: the English demo's recipe with Chinese sources and templates.

Same training values as the English demo (entity masking with kg/entities.txt, learning rate
3e-4 for the encoder and 3e-3 for the vocabulary); `language: zh`; the tokenizer stage is what
makes the characters the base maps to ``[UNK]`` visible.
"""

from __future__ import annotations


def chinese_recipe(name: str, pretrain_steps: int, finetune_epochs: float) -> str:
    """The recipe YAML of the Chinese demo; its ablation builds it with and without tokenizer extension."""
    return f"""# The synthetic Chinese finance demo: a fictional world (see docs/tokenizer.md).
name: {name}
language: zh
base_model: builtin:minilm        # English-first: many Chinese characters are [UNK] to it
seed: 0
data:
  sources:
    - {{path: corpus/news.jsonl, text_field: text}}
    - {{path: corpus/glossary.jsonl, text_field: text}}
  min_chars: 15
  dedup: exact
knowledge:
  sources: [kg/triples.csv]
  literal_predicates: [ticker]
  prefer_types: [Company]
  templates:
    sector: {{zh: "{{subject}}是一家{{object}}业公司。"}}
    headquarters: {{zh: "{{subject}}总部位于{{object}}。"}}
    ceo: {{zh: "{{object}}是{{subject}}的首席执行官。"}}
    product: {{zh: "{{subject}}销售{{object}}。"}}
    subsidiary: {{zh: "{{object}}是{{subject}}的子公司。"}}
    ticker: {{zh: "{{subject}}的股票代码为{{object}}。"}}
    trade_term_of: {{zh: "{{subject}}是{{object}}行业的术语。"}}
tokenizer:
  extend: true                    # former [UNK] characters, names and trade terms become tokens
  min_frequency: 10
pretrain:
  steps: {pretrain_steps}
  batch_size: 32
  learning_rate: 3.0e-4
  vocabulary_learning_rate: 3.0e-3
  mlm_probability: 0.2
  entity_probability: 0.5
  entities: kg/entities.txt
  max_length: 64
tasks:
  - {{name: sector, type: classification, data: tasks/sector_train.csv, test: tasks/sector_test.csv,
     epochs: {finetune_epochs}, learning_rate: 5.0e-5}}
  - {{name: sentiment, type: classification, data: tasks/sentiment_train.csv, test: tasks/sentiment_test.csv,
     epochs: {finetune_epochs}, learning_rate: 5.0e-5}}
evaluate:
  compare_with: base_model
ablation:                         # `vertical ablate recipe.yaml`: what the tokenizer extension is worth
  seeds: [0, 1, 2]
  tasks: [sector]
  variants:
    extended_vocabulary: {{}}       # the recipe as it is
    base_vocabulary: {{tokenizer: {{extend: false}}}}
"""
