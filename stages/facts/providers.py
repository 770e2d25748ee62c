"""Info providers by the name params.yaml uses for them (info.provider)."""

from stages.facts.auto import AutoInfo
from stages.facts.heritage import HeritageInfo
from stages.facts.local import LocalInfo
from stages.facts.wikipedia import WikipediaInfo

INFO_PROVIDERS = {provider.name: provider for provider in (LocalInfo, HeritageInfo, WikipediaInfo, AutoInfo)}
