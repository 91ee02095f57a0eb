; Definition files are highlighted with the bash grammar (languages.toml: grammar = "bash").
; inherits: bash
