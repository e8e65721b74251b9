# bash completion for clodura; source it from ~/.bashrc
_clodura_completion() {
    local IFS=$'\n'
    COMPREPLY=( $( env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD \
                   _CLODURA_COMPLETE=complete_bash $1 2>/dev/null ) )
    return 0
}
complete -o default -F _clodura_completion clodura
