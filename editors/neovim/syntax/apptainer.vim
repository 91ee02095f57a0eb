" Vim syntax file
" Language:   Apptainer/Singularity definition file (defcheck)
" Lines are classified as Apptainer does: a line whose first word starts with '%' starts a
" section, 'bootstrap:' in column 0 starts a stage, the text before the first section is the
" header. Script section bodies use the sh syntax.

if exists('b:current_syntax')
  finish
endif
let s:cpo_save = &cpo
set cpo&vim

let b:is_bash = 1
syn include @apptainerShell syntax/sh.vim
unlet! b:current_syntax

syn case ignore

syn match apptainerPlaceholder '{{\s*\w\+\s*}}' containedin=ALLBUT,apptainerComment,shComment
syn cluster shDblQuoteList add=apptainerPlaceholder
syn match apptainerComment '^\s*#.*$' contains=@Spell
syn match apptainerHeaderComment '#.*$' contained
syn match apptainerHeaderKey '^\s*\%(bootstrap\|from\|includecmd\|mirrorurl\|updateurl\|osversion\|include\|library\|registry\|namespace\|stage\|product\|user\|regcode\|productpgp\|registerurl\|modules\|otherurl\d\+\|fingerprints\|confurl\|setopt\|target\|frontend\|filename\|buildargs\)\ze\s*:' nextgroup=apptainerHeaderSep skipwhite
syn match apptainerHeaderSep ':' contained nextgroup=apptainerHeaderValue skipwhite
syn match apptainerHeaderValue '[^# \t][^#]*' contained contains=apptainerPlaceholder,apptainerAgent nextgroup=apptainerHeaderComment
syn case match
syn keyword apptainerAgent contained library docker docker-daemon docker-archive oci oci-archive oras shub localimage yum dnf debootstrap arch busybox zypper scratch buildkit dockerfile
syn case ignore

syn match apptainerSectionArgs ' .*$' contained contains=apptainerPlaceholder
syn match apptainerInvalidSection '^\s*%\+\S*'

" Script sections: the body is shell.
syn region apptainerScript matchgroup=apptainerSection
      \ start='^\s*%\+\%(post\|setup\|pre\|test\|runscript\|startscript\|environment\)\%( \|$\)'
      \ end='^\ze\s*%' end='^\zebootstrap:' keepend
      \ contains=@apptainerShell,apptainerPlaceholder
syn case match
syn region apptainerScript matchgroup=apptainerSection
      \ start='^\s*%\+\%(appinstall\|apprun\|appenv\|apptest\|appstart\)\%( \|$\)'
      \ end='^\ze\s*%' end='^\zebootstrap:' keepend
      \ contains=@apptainerShell,apptainerPlaceholder
syn region apptainerData matchgroup=apptainerSection
      \ start='^\s*%\+\%(appfiles\|applabels\|apphelp\)\%( \|$\)'
      \ end='^\ze\s*%' end='^\zebootstrap:' keepend
      \ contains=apptainerComment,apptainerPlaceholder
syn case ignore
" Data sections: files, help, arguments, labels.
syn region apptainerData matchgroup=apptainerSection
      \ start='^\s*%\+\%(files\|help\|arguments\)\%( \|$\)'
      \ end='^\ze\s*%' end='^\zebootstrap:' keepend
      \ contains=apptainerComment,apptainerPlaceholder,apptainerArgName
syn region apptainerData matchgroup=apptainerSection
      \ start='^\s*%\+labels\%( \|$\)'
      \ end='^\ze\s*%' end='^\zebootstrap:' keepend
      \ contains=apptainerComment,apptainerPlaceholder,apptainerLabelKey
syn match apptainerLabelKey '^\s*\zs\S\+\ze \S' contained
syn match apptainerArgName '^\s*\zs\w\+\ze\s*=' contained

hi def link apptainerComment Comment
hi def link apptainerHeaderComment Comment
hi def link apptainerHeaderKey Keyword
hi def link apptainerHeaderValue String
hi def link apptainerHeaderSep Delimiter
hi def link apptainerAgent Type
hi def link apptainerSection Statement
hi def link apptainerInvalidSection Error
hi def link apptainerPlaceholder Identifier
hi def link apptainerLabelKey Identifier
hi def link apptainerArgName Identifier

let b:current_syntax = 'apptainer'
let &cpo = s:cpo_save
unlet s:cpo_save
