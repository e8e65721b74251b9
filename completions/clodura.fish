# fish completion for clodura; save as ~/.config/fish/completions/clodura.fish
complete --command clodura --no-files --arguments "(env _CLODURA_COMPLETE=complete_fish _TYPER_COMPLETE_ARGS=(commandline -cp) _TYPER_COMPLETE_FISH_ACTION=get-args clodura)" --condition "env _CLODURA_COMPLETE=complete_fish _TYPER_COMPLETE_ARGS=(commandline -cp) _TYPER_COMPLETE_FISH_ACTION=is-args clodura"
