"""Info providers by the name params.yaml uses for them (info.provider), imported only when chosen."""

from stages.core.registry import Registry

INFO_PROVIDERS = Registry("info.provider", {
    "local": "stages.facts.local:LocalInfo",
    "heritage": "stages.facts.heritage:HeritageInfo",
    "wikipedia": "stages.facts.wikipedia:WikipediaInfo",
    "auto": "stages.facts.auto:AutoInfo",
})
