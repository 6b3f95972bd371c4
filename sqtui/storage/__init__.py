"""sqtui.storage: where things live on disk and in the keyring.

``locations`` knows every path, ``atomic`` writes files crash-safely, ``config`` reads
the TOML config, ``credentials`` keeps API keys in the OS keyring, and
``logging_setup`` writes the redacted log file. No Textual here.
"""
