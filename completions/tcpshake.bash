# bash completion for tcpshake. Options come from `tcpshake SUBCOMMAND --help`
# at completion time, so they never drift from the binary.
_tcpshake_options()
{
    "$1" "$2" --help 2>/dev/null |
        grep -oE -- '(^|[[:space:],])--?[a-zA-Z][-a-zA-Z0-9]*' |
        sed -E 's/^[[:space:],]+//' | sort -u
}

_tcpshake()
{
    local cur prev cmd sub i
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    cmd=${COMP_WORDS[0]}
    sub=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            read|watch|craft|demo|help) sub=${COMP_WORDS[i]}; break ;;
            -r|--read) sub=read; break ;;
        esac
    done

    case $prev in
        -i|--interface)
            COMPREPLY=($(compgen -W "any $(ls /sys/class/net 2>/dev/null)" -- "$cur"))
            return ;;
        -r|--read|read)
            [[ $cur == -* ]] && { COMPREPLY=($(compgen -W "$(_tcpshake_options "$cmd" read)" -- "$cur")); return; }
            COMPREPLY=($(compgen -f -X '!*.@(pcap|pcapng|cap|pcap.gz)' -- "$cur")
                       $(compgen -d -- "$cur"))
            return ;;
        -w|--write|--svg|--report|--html|--state-diagram)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        -Z|--user)
            COMPREPLY=($(compgen -u -- "$cur"))
            return ;;
        --color)
            COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
            return ;;
        --timeout)
            [ "$sub" = craft ] && return
            COMPREPLY=($(compgen -W "syn_sent= syn_recv= established= fin_wait= close_wait= last_ack= time_wait= close=" -- "$cur"))
            compopt -o nospace 2>/dev/null
            return ;;
    esac

    if [ -z "$sub" ]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "-r --help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "read watch craft demo help" -- "$cur"))
        fi
        return
    fi
    if [ "$sub" = help ]; then
        COMPREPLY=($(compgen -W "read watch craft demo" -- "$cur"))
        return
    fi
    if [ "$sub" = craft ] && [ "$prev" = craft ] && [[ $cur != -* ]]; then
        COMPREPLY=($(compgen -W "handshake listen syn synack ack rst fin" -- "$cur"))
        return
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_tcpshake_options "$cmd" "$sub")" -- "$cur"))
    elif [ "$sub" = read ]; then
        COMPREPLY=($(compgen -f -X '!*.@(pcap|pcapng|cap)' -- "$cur") $(compgen -d -- "$cur"))
    fi
}
complete -F _tcpshake tcpshake
