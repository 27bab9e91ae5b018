"""arXiv's subject categories: canonical codes and their full names.

Content may write a Computer Science category by its short code (`LG`, as profile pages show it) or in
full (`cs.LG`); every other archive needs its full code (`stat.ML`, `quant-ph`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .pickling import pickled_by_fields

_CS = {
    "AI": "Artificial Intelligence", "AR": "Hardware Architecture", "CC": "Computational Complexity",
    "CE": "Computational Engineering, Finance, and Science", "CG": "Computational Geometry",
    "CL": "Computation and Language", "CR": "Cryptography and Security",
    "CV": "Computer Vision and Pattern Recognition", "CY": "Computers and Society", "DB": "Databases",
    "DC": "Distributed, Parallel, and Cluster Computing", "DL": "Digital Libraries",
    "DM": "Discrete Mathematics", "DS": "Data Structures and Algorithms", "ET": "Emerging Technologies",
    "FL": "Formal Languages and Automata Theory", "GL": "General Literature", "GR": "Graphics",
    "GT": "Computer Science and Game Theory", "HC": "Human-Computer Interaction",
    "IR": "Information Retrieval", "IT": "Information Theory", "LG": "Machine Learning",
    "LO": "Logic in Computer Science", "MA": "Multiagent Systems", "MM": "Multimedia",
    "MS": "Mathematical Software", "NA": "Numerical Analysis", "NE": "Neural and Evolutionary Computing",
    "NI": "Networking and Internet Architecture", "OH": "Other Computer Science", "OS": "Operating Systems",
    "PF": "Performance", "PL": "Programming Languages", "RO": "Robotics", "SC": "Symbolic Computation",
    "SD": "Sound", "SE": "Software Engineering", "SI": "Social and Information Networks",
    "SY": "Systems and Control",
}
_MATH = {
    "AC": "Commutative Algebra", "AG": "Algebraic Geometry", "AP": "Analysis of PDEs",
    "AT": "Algebraic Topology", "CA": "Classical Analysis and ODEs", "CO": "Combinatorics",
    "CT": "Category Theory", "CV": "Complex Variables", "DG": "Differential Geometry",
    "DS": "Dynamical Systems", "FA": "Functional Analysis", "GM": "General Mathematics",
    "GN": "General Topology", "GR": "Group Theory", "GT": "Geometric Topology", "HO": "History and Overview",
    "IT": "Information Theory", "KT": "K-Theory and Homology", "LO": "Logic", "MG": "Metric Geometry",
    "MP": "Mathematical Physics", "NA": "Numerical Analysis", "NT": "Number Theory",
    "OA": "Operator Algebras", "OC": "Optimization and Control", "PR": "Probability",
    "QA": "Quantum Algebra", "RA": "Rings and Algebras", "RT": "Representation Theory",
    "SG": "Symplectic Geometry", "SP": "Spectral Theory", "ST": "Statistics Theory",
}
_STAT = {
    "AP": "Applications", "CO": "Computation", "ME": "Methodology", "ML": "Machine Learning",
    "OT": "Other Statistics", "TH": "Statistics Theory",
}
_EESS = {"AS": "Audio and Speech Processing", "IV": "Image and Video Processing",
         "SP": "Signal Processing", "SY": "Systems and Control"}
_ECON = {"EM": "Econometrics", "GN": "General Economics", "TH": "Theoretical Economics"}
_QBIO = {
    "BM": "Biomolecules", "CB": "Cell Behavior", "GN": "Genomics", "MN": "Molecular Networks",
    "NC": "Neurons and Cognition", "OT": "Other Quantitative Biology", "PE": "Populations and Evolution",
    "QM": "Quantitative Methods", "SC": "Subcellular Processes", "TO": "Tissues and Organs",
}
_QFIN = {
    "CP": "Computational Finance", "EC": "Economics", "GN": "General Finance",
    "MF": "Mathematical Finance", "PM": "Portfolio Management", "PR": "Pricing of Securities",
    "RM": "Risk Management", "ST": "Statistical Finance", "TR": "Trading and Market Microstructure",
}
_ASTRO = {
    "CO": "Cosmology and Nongalactic Astrophysics", "EP": "Earth and Planetary Astrophysics",
    "GA": "Astrophysics of Galaxies", "HE": "High Energy Astrophysical Phenomena",
    "IM": "Instrumentation and Methods for Astrophysics", "SR": "Solar and Stellar Astrophysics",
}
_CONDMAT = {
    "dis-nn": "Disordered Systems and Neural Networks", "mes-hall": "Mesoscale and Nanoscale Physics",
    "mtrl-sci": "Materials Science", "other": "Other Condensed Matter", "quant-gas": "Quantum Gases",
    "soft": "Soft Condensed Matter", "stat-mech": "Statistical Mechanics",
    "str-el": "Strongly Correlated Electrons", "supr-con": "Superconductivity",
}
_NLIN = {"AO": "Adaptation and Self-Organizing Systems", "CD": "Chaotic Dynamics",
         "CG": "Cellular Automata and Lattice Gases", "PS": "Pattern Formation and Solitons",
         "SI": "Exactly Solvable and Integrable Systems"}
_PHYSICS = {
    "acc-ph": "Accelerator Physics", "ao-ph": "Atmospheric and Oceanic Physics",
    "app-ph": "Applied Physics", "atm-clus": "Atomic and Molecular Clusters", "atom-ph": "Atomic Physics",
    "bio-ph": "Biological Physics", "chem-ph": "Chemical Physics", "class-ph": "Classical Physics",
    "comp-ph": "Computational Physics", "data-an": "Data Analysis, Statistics and Probability",
    "ed-ph": "Physics Education", "flu-dyn": "Fluid Dynamics", "gen-ph": "General Physics",
    "geo-ph": "Geophysics", "hist-ph": "History and Philosophy of Physics",
    "ins-det": "Instrumentation and Detectors", "med-ph": "Medical Physics", "optics": "Optics",
    "plasm-ph": "Plasma Physics", "pop-ph": "Popular Physics", "soc-ph": "Physics and Society",
    "space-ph": "Space Physics",
}
_WHOLE_ARCHIVES = {
    "astro-ph": "Astrophysics", "cond-mat": "Condensed Matter", "gr-qc": "General Relativity and Quantum Cosmology",
    "hep-ex": "High Energy Physics - Experiment", "hep-lat": "High Energy Physics - Lattice",
    "hep-ph": "High Energy Physics - Phenomenology", "hep-th": "High Energy Physics - Theory",
    "math-ph": "Mathematical Physics", "nlin": "Nonlinear Sciences", "nucl-ex": "Nuclear Experiment",
    "nucl-th": "Nuclear Theory", "physics": "Physics", "quant-ph": "Quantum Physics",
}

CATEGORY_NAMES: dict[str, str] = {
    **{f"cs.{code}": name for code, name in _CS.items()},
    **{f"math.{code}": name for code, name in _MATH.items()},
    **{f"stat.{code}": name for code, name in _STAT.items()},
    **{f"eess.{code}": name for code, name in _EESS.items()},
    **{f"econ.{code}": name for code, name in _ECON.items()},
    **{f"q-bio.{code}": name for code, name in _QBIO.items()},
    **{f"q-fin.{code}": name for code, name in _QFIN.items()},
    **{f"astro-ph.{code}": name for code, name in _ASTRO.items()},
    **{f"cond-mat.{code}": name for code, name in _CONDMAT.items()},
    **{f"nlin.{code}": name for code, name in _NLIN.items()},
    **{f"physics.{code}": name for code, name in _PHYSICS.items()},
    **_WHOLE_ARCHIVES,
}
_BY_LOWER = {code.lower(): code for code in CATEGORY_NAMES}


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Category:
    code: str  # canonical arXiv code, e.g. "cs.LG"
    name: str  # e.g. "Machine Learning"

    @property
    def short(self) -> str:
        """The code as profile pages show it: `LG` for Computer Science, the full code elsewhere."""
        return self.code.removeprefix("cs.")

    @property
    def slug(self) -> str:
        return self.code.lower()


def lookup_category(code: str) -> Category | None:
    """The category for `LG`, `cs.LG`, `cs.lg` or `stat.ML`; None when arXiv has no such category."""
    cleaned = code.strip()
    canonical = _BY_LOWER.get(cleaned.lower()) or _BY_LOWER.get(f"cs.{cleaned}".lower())
    return Category(canonical, CATEGORY_NAMES[canonical]) if canonical else None


def suggest_category(code: str) -> str:
    """A hint for an unknown code: close matches from the taxonomy."""
    import difflib

    matches = difflib.get_close_matches(code, [*CATEGORY_NAMES, *_CS], n=3, cutoff=0.6)
    return f" (did you mean {', '.join(repr(m) for m in matches)}?)" if matches else \
        " (use an arXiv category such as 'cs.LG', 'stat.ML' or 'quant-ph')"
