"""The trained model's intent for each text of a JSON-lines file, run in the Rasa environment (Python 3.10) by
bench/crisis_detection.py. Prints one JSON object per input line: {"intent", "confidence", "crisis_in_a_sentence"}.

Usage: .venvs/rasa/bin/python bench/rasa/intents_of.py MODEL.tar.gz FILE.jsonl
"""

import asyncio
import json
import logging
import sys

from rasa.core.agent import Agent


async def main(model: str, path: str) -> None:
    agent = Agent.load(model)
    with open(path, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh if line.strip()]
    for text in texts:
        parsed = await agent.parse_message(text)
        print(json.dumps({"intent": parsed["intent"]["name"], "confidence": parsed["intent"]["confidence"],
                          "crisis_in_a_sentence": parsed.get("crisis_in_a_sentence")}))


if __name__ == "__main__":
    logging.disable(logging.WARNING)
    asyncio.run(main(sys.argv[1], sys.argv[2]))
