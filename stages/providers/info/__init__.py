"""Info providers by the name params.yaml uses for them (info.provider)."""

from stages.providers.info.auto import AutoInfo
from stages.providers.info.heritage import HeritageInfo
from stages.providers.info.local import LocalInfo
from stages.providers.info.wikipedia import WikipediaInfo

INFO_PROVIDERS = {provider.name: provider for provider in (LocalInfo, HeritageInfo, WikipediaInfo, AutoInfo)}
