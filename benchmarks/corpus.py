"""A seeded synthetic site project: N papers, N/2 authors, written in the native content format.

    python benchmarks/corpus.py DIR --papers 5000 [--seed 1]

Papers have 1-12 authors drawn with realistic reuse (a few prolific authors, many occasional ones),
150-250-word abstracts of which about one in five carries inline LaTeX, dates over 15 years, every
Computer Science category, scores, citations and code links.
"""

from __future__ import annotations

import argparse
import datetime
import random
from pathlib import Path

from generator.importers.content_files import author_file_text, dump_yaml, paper_file_text
from generator.slugs import slugify
from generator.taxonomy import CATEGORY_NAMES

FIRST = ("Aiko Akira Alex Ana Ben Chen Chiara Daniel Elena Emma Farid Hana Hiro Ines Ivan Jae Jun Kai Kenji Lara "
         "Lei Liam Lina Marco Maria Mei Mila Nadia Noah Omar Priya Rafael Ren Rin Sara Sofia Tao Tomas Yuki Zoe").split()
LAST = ("Abe Bauer Chen Costa Dubois Endo Fischer Garcia Gupta Hayashi Ito Jensen Kato Kim Kobayashi Kowalski "
        "Lee Li Lopez Martin Matsuda Mori Muller Nakamura Nguyen Novak Ogawa Park Rossi Sato Schmidt Silva Smith "
        "Suzuki Tanaka Wang Watanabe Weber Yamada Yang Zhang").split()
WORDS = ("model models training learning neural network networks data large language scaling efficient method "
         "methods propose we show results performance benchmark tasks optimization gradient distributed memory "
         "compute inference sparse dense attention transformer layer layers parameters experiments approach novel "
         "analysis theoretical empirical robust generalization representation features objective loss function "
         "algorithm algorithms framework system systems evaluation dataset datasets accuracy state art prior work "
         "significantly improves reduces cost time hardware communication precision quantization distillation "
         "retrieval reasoning agents policy reinforcement reward search tree graph structure kernel regime width "
         "depth initialization schedule batch size convergence stability noise signal image vision video speech "
         "text code generation synthesis").split()
LATEX = (r"$O(n \log n)$", r"$\mu$P", r"top-$k$", r"$\textit{emphasis}$", r"$\alpha = 0.5$", r"$x^2 + y^2$",
         r"$\texttt{code-1.5B}$", r"$\mathbb{R}^d$")
CATEGORIES = sorted(code for code in CATEGORY_NAMES if code.startswith("cs."))


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _abstract(rng: random.Random) -> str:
    remaining = rng.randint(150, 250)
    sentences = []
    while remaining > 0:
        length = min(remaining, rng.randint(12, 28))
        sentences.append(_sentence(rng, length))
        remaining -= length
    if rng.random() < 0.2:
        index = rng.randrange(len(sentences))
        sentences[index] = sentences[index][:-1] + f" with {rng.choice(LATEX)}."
    return " ".join(sentences)


def write_corpus(root: Path, papers: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    author_count = max(1, papers // 2)
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < author_count:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name in seen:
            name = f"{name} {chr(65 + len(names) % 26)}{len(names)}"
        seen.add(name)
        names.append(name)
    # Zipf-like reuse: a few prolific authors (about 2% of a 5,000-paper site for the first), many occasional ones.
    weights = [1.0 / (rank + 1) ** 0.35 for rank in range(author_count)]
    listed: dict[int, list[str]] = {i: [] for i in range(author_count)}
    start = datetime.date(2011, 1, 1)
    (root / "content" / "papers").mkdir(parents=True, exist_ok=True)
    (root / "content" / "authors").mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    for number in range(papers):
        title = _sentence(rng, rng.randint(5, 14))[:-1].title()
        slug = slugify(title)
        if slug in taken:
            slug = f"{slug[:50]}-{number}"
        taken.add(slug)
        chosen = list(dict.fromkeys(rng.choices(range(author_count), weights, k=rng.randint(1, 12))))
        for index in chosen:
            listed[index].append(slug)
        front = {
            "title": title,
            "authors": [names[i] for i in chosen],
            "date": start + datetime.timedelta(days=rng.randrange(15 * 365)),
            "category": rng.choice(CATEGORIES),
            "score": round(rng.uniform(0, 40), 1) if rng.random() < 0.8 else None,
            "citations": rng.randint(0, 2000),
            "code": f"https://github.com/example/repo-{number}" if rng.random() < 0.4 else None,
        }
        (root / "content" / "papers" / f"{slug}.md").write_text(paper_file_text(front, _abstract(rng)), "utf-8")
    for index, name in enumerate(names):
        data = {
            "name": name,
            "category": rng.choice(CATEGORIES),
            "metrics": {"h_index": rng.randint(1, 80), "citations": rng.randint(10, 50_000),
                        "novelty": rng.randint(10, 90), "ai_score": rng.randint(10, 90)},
            "papers": listed[index],
        }
        path = root / "content" / "authors" / f"{slugify(name)}.yaml"
        path.write_text(author_file_text(path.name, data), "utf-8")
    site = {"title": f"Synthetic Lab ({papers} papers)", "description": "A generated benchmark site.",
            "base_url": "https://example.org/lab/", "owners": [slugify(names[0])]}
    (root / "content" / "site.yaml").write_text(dump_yaml(site), "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    write_corpus(args.directory, args.papers, args.seed)


if __name__ == "__main__":
    main()
