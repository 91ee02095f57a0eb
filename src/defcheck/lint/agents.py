"""Bootstrap agents and the header keys each one reads (spec §3.4, §8).

>>> AGENTS["debootstrap"].required
('mirrorurl', 'osversion')
>>> canonical_key("mirrorurl")
'MirrorURL'
"""

from __future__ import annotations

from defcheck.syntax.record import record

#: Keys every agent honours.
COMMON_KEYS = frozenset({"bootstrap", "stage"})
_OCI = frozenset({"from", "registry", "namespace"})
_SIF = frozenset({"from", "fingerprints"})


@record  # not @dataclass: importing dataclasses costs more than a lint run
class Agent:
    """A bootstrap agent: the keys it reads and the keys it requires."""

    name: str
    keys: frozenset[str]
    required: tuple[str, ...] = ()
    apptainer_only: bool = False

    def uses(self, norm: str) -> bool:
        """True if the agent reads header key `norm` (lower-case)."""
        if norm in COMMON_KEYS or norm in self.keys:
            return True
        return norm.startswith("otherurl") and "otherurl" in self.keys


_ZYPPER = frozenset(
    {
        "mirrorurl",
        "osversion",
        "updateurl",
        "include",
        "product",
        "user",
        "regcode",
        "productpgp",
        "registerurl",
        "modules",
        "otherurl",
    }
)
_YUM = frozenset({"mirrorurl", "updateurl", "osversion", "include", "setopt"})
_BUILDKIT = frozenset({"from", "target", "frontend", "filename", "buildargs"})

AGENTS: dict[str, Agent] = {
    a.name: a
    for a in (
        Agent("library", frozenset({"from", "library", "fingerprints"}), ("from",)),
        Agent("docker", _OCI, ("from",)),
        Agent("docker-daemon", _OCI, ("from",)),
        Agent("docker-archive", _OCI, ("from",)),
        Agent("oci", _OCI, ("from",)),
        Agent("oci-archive", _OCI, ("from",)),
        Agent("oras", _SIF, ("from",)),
        Agent("shub", _SIF, ("from",)),
        Agent("localimage", _SIF, ("from",)),
        Agent("yum", _YUM, ("mirrorurl",)),
        Agent("dnf", _YUM, ("mirrorurl",)),
        Agent(
            "debootstrap",
            frozenset({"mirrorurl", "osversion", "include"}),
            ("mirrorurl", "osversion"),
        ),
        Agent("arch", frozenset({"confurl", "include"})),
        Agent("busybox", frozenset({"mirrorurl"}), ("mirrorurl",)),
        Agent("zypper", _ZYPPER),
        Agent("scratch", frozenset()),
        Agent("buildkit", _BUILDKIT, ("from",), apptainer_only=True),
        Agent("dockerfile", _BUILDKIT, ("from",), apptainer_only=True),
    )
}

#: Canonical spelling of every valid header key (as in Apptainer's documentation).
CANONICAL_KEYS: dict[str, str] = {
    k.lower(): k
    for k in (
        "Bootstrap",
        "From",
        "IncludeCmd",
        "MirrorURL",
        "UpdateURL",
        "OSVersion",
        "Include",
        "Library",
        "Registry",
        "Namespace",
        "Stage",
        "Product",
        "User",
        "Regcode",
        "ProductPGP",
        "RegisterURL",
        "Modules",
        "OtherURL0",
        "Fingerprints",
        "ConfURL",
        "SetOpt",
        "Target",
        "Frontend",
        "Filename",
        "BuildArgs",
    )
}


def canonical_key(norm: str) -> str:
    """The documented spelling of a (lower-case) header key."""
    if norm.startswith("otherurl") and norm[8:].isdigit():
        return "OtherURL" + norm[8:]
    return CANONICAL_KEYS.get(norm, norm)


def suggest(word: str, candidates: list[str] | tuple[str, ...], cutoff: float = 0.75) -> list[str]:
    """Close matches for a misspelled name, best first (difflib)."""
    import difflib  # only when a name is misspelled

    return difflib.get_close_matches(word, list(candidates), n=3, cutoff=cutoff)
