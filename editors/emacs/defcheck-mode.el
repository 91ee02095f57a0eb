;;; defcheck-mode.el --- Major mode for Apptainer/Singularity definition files  -*- lexical-binding: t; -*-

;; Copyright (C) the defcheck developers
;; License: Apache-2.0
;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1"))
;; Keywords: languages, tools
;; URL: https://github.com/defcheck/defcheck

;;; Commentary:

;; A small major mode for Apptainer/Singularity definition files with font-lock for header
;; keys, bootstrap agents, section headers, SCIF app names and {{ NAME }} build-argument
;; placeholders, an imenu index of sections, and registration of the defcheck language
;; server (`defcheck lsp') with eglot.
;;
;; Files named Singularity, Singularity.*, Apptainer and Apptainer.* open in this mode, and
;; so do *.def files whose first line that is not blank or a comment is a Bootstrap: line.
;;
;;   (add-to-list 'load-path "/path/to/defcheck/editors/emacs")
;;   (require 'defcheck-mode)
;;   (add-hook 'defcheck-mode-hook #'eglot-ensure)   ; optional: start the language server

;;; Code:

(require 'rx)

(defgroup defcheck nil
  "Apptainer/Singularity definition files."
  :group 'languages
  :prefix "defcheck-")

(defcustom defcheck-executable "defcheck"
  "The defcheck executable used to start the language server."
  :type 'string)

(defcustom defcheck-lsp-arguments '("lsp")
  "Arguments that start the defcheck language server on stdio."
  :type '(repeat string))

(defcustom defcheck-indent-offset 4
  "Indentation of section bodies."
  :type 'integer
  :safe #'integerp)

(defconst defcheck--header-keys
  '("bootstrap" "from" "includecmd" "mirrorurl" "updateurl" "osversion" "include" "library"
    "registry" "namespace" "stage" "product" "user" "regcode" "productpgp" "registerurl"
    "modules" "fingerprints" "confurl" "setopt" "target" "frontend" "filename" "buildargs")
  "Header keys Apptainer accepts (OtherURL<N> is matched separately).")

(defconst defcheck--agents
  '("library" "docker" "docker-daemon" "docker-archive" "oci" "oci-archive" "oras" "shub"
    "localimage" "yum" "dnf" "debootstrap" "arch" "busybox" "zypper" "scratch" "buildkit"
    "dockerfile")
  "Bootstrap agents (matched case-sensitively by Apptainer).")

(defconst defcheck--sections
  '("help" "setup" "files" "labels" "environment" "pre" "post" "runscript" "test"
    "startscript" "arguments")
  "Standard sections (case-insensitive).")

(defconst defcheck--app-sections
  '("appinstall" "apprun" "appenv" "apptest" "appstart" "appfiles" "applabels" "apphelp")
  "SCIF app sections (case-sensitive in practice).")

(defconst defcheck--section-start-re "^[ \t]*%"
  "A line whose first word starts with % starts a section.")

(defface defcheck-placeholder-face
  '((t :inherit font-lock-variable-name-face :weight bold))
  "Face for {{ NAME }} build-argument placeholders.")

(defface defcheck-invalid-face
  '((t :inherit font-lock-warning-face))
  "Face for section names and header keys Apptainer rejects.")

(defun defcheck--ci (word)
  "A case-insensitive regexp for WORD."
  (mapconcat (lambda (c)
               (let ((l (downcase c)) (u (upcase c)))
                 (if (eq l u) (regexp-quote (string c)) (format "[%c%c]" u l))))
             word ""))

(defconst defcheck--font-lock-keywords
  (let ((keys (concat "\\(?:" (mapconcat #'defcheck--ci defcheck--header-keys "\\|")
                      "\\|" (defcheck--ci "otherurl") "[0-9]+\\)"))
        (sections (concat "\\(?:" (mapconcat #'defcheck--ci defcheck--sections "\\|") "\\)"))
        (apps (regexp-opt defcheck--app-sections)))
    `(;; Header: Key: value
      (,(concat "^[ \t]*\\(" keys "\\)[ \t]*:") 1 font-lock-keyword-face)
      ;; Bootstrap: agent
      (,(concat "^[ \t]*" (defcheck--ci "bootstrap") "[ \t]*:[ \t]*\\("
                (regexp-opt defcheck--agents) "\\)[ \t]*\\(?:#\\|$\\)")
       1 font-lock-type-face)
      ;; Stage: name, and %files from name
      (,(concat "^[ \t]*" (defcheck--ci "stage") "[ \t]*:[ \t]*\\([^ \t\n#]+\\)")
       1 font-lock-function-name-face)
      ;; Standard sections, with `from <stage>' for %files
      (,(concat "^[ \t]*\\(%+" sections "\\)\\(?: \\|$\\)") 1 font-lock-builtin-face)
      (,(concat "^[ \t]*%+" (defcheck--ci "files") " +\\(from\\) +\\([^ \t\n#]+\\)")
       (1 font-lock-keyword-face) (2 font-lock-function-name-face))
      ;; App sections and the app name
      (,(concat "^[ \t]*\\(%+" apps "\\)\\(?: +\\([^ \t\n]+\\)\\)?")
       (1 font-lock-builtin-face) (2 font-lock-function-name-face nil t))
      ;; Anything else that starts a section is rejected by Apptainer
      ("^[ \t]*\\(%+[^ \t\n]*\\)" 1 'defcheck-invalid-face keep)
      ;; {{ NAME }}
      ("{{[ \t]*\\([A-Za-z0-9_]+\\)[ \t]*}}" 0 'defcheck-placeholder-face prepend)))
  "Font-lock keywords for `defcheck-mode'.")

(defvar defcheck-mode-syntax-table
  (let ((table (make-syntax-table)))
    (modify-syntax-entry ?# "<" table)
    (modify-syntax-entry ?\n ">" table)
    (modify-syntax-entry ?_ "_" table)
    (modify-syntax-entry ?- "_" table)
    (modify-syntax-entry ?. "_" table)
    (modify-syntax-entry ?% "." table)
    table)
  "Syntax table for `defcheck-mode'.")

(defun defcheck--syntax-propertize (start end)
  "Make `#' inside a word or URL a symbol character, between START and END.
Only a `#' at the start of a word begins a comment."
  (goto-char start)
  (while (re-search-forward "[^ \t\n]\\(#\\)" end t)
    (put-text-property (match-beginning 1) (match-end 1) 'syntax-table (string-to-syntax "_"))))

(defun defcheck--imenu-index ()
  "An imenu index of stages and sections."
  (let (index)
    (save-excursion
      (goto-char (point-min))
      (while (re-search-forward "^\\(?:\\([Bb][Oo][Oo][Tt][Ss][Tt][Rr][Aa][Pp]:.*\\)\\|[ \t]*\\(%+[^ \t\n]+\\(?: +[^ \t\n#]+\\)?\\)\\)" nil t)
        (push (cons (or (match-string-no-properties 1) (match-string-no-properties 2))
                    (match-beginning 0))
              index)))
    (nreverse index)))

(defun defcheck--in-header-p ()
  "Non-nil if point is in a header (before the first section line of its stage)."
  (save-excursion
    (beginning-of-line)
    (let ((case-fold-search t))
      (not (and (re-search-backward
                 (concat defcheck--section-start-re "\\|^bootstrap:") nil t)
                (looking-at-p defcheck--section-start-re))))))

(defun defcheck-indent-line ()
  "Indent the current line.
Section bodies are indented by `defcheck-indent-offset'; header
lines and section lines go to column 0."
  (interactive)
  (let ((target (save-excursion
                  (beginning-of-line)
                  (cond ((looking-at-p defcheck--section-start-re) 0)
                        ((defcheck--in-header-p) 0)
                        (t (max defcheck-indent-offset
                                (save-excursion
                                  (forward-line -1)
                                  (if (looking-at-p defcheck--section-start-re)
                                      0
                                    (current-indentation)))))))))
    (if (<= (current-column) (current-indentation))
        (indent-line-to target)
      (save-excursion (indent-line-to target)))))

;;;###autoload
(define-derived-mode defcheck-mode prog-mode "Apptainer"
  "Major mode for Apptainer/Singularity definition files.

\\{defcheck-mode-map}"
  :syntax-table defcheck-mode-syntax-table
  (setq-local comment-start "# ")
  (setq-local comment-start-skip "#+[ \t]*")
  (setq-local comment-end "")
  (setq-local font-lock-defaults '(defcheck--font-lock-keywords nil nil))
  (setq-local syntax-propertize-function #'defcheck--syntax-propertize)
  (setq-local indent-line-function #'defcheck-indent-line)
  (setq-local indent-tabs-mode nil)
  (setq-local tab-width defcheck-indent-offset)
  (setq-local imenu-create-index-function #'defcheck--imenu-index)
  (setq-local outline-regexp "[ \t]*%+[A-Za-z]\\|[Bb][Oo][Oo][Tt][Ss][Tt][Rr][Aa][Pp]:"))

(defun defcheck--def-file-p ()
  "Non-nil for a *.def buffer whose first significant line is a Bootstrap: line."
  (and buffer-file-name
       (string-match-p "\\.def\\'" buffer-file-name)
       (save-excursion
         (goto-char (point-min))
         (let ((case-fold-search t))
           (while (and (not (eobp)) (looking-at-p "[ \t]*\\(?:#.*\\)?$"))
             (forward-line 1))
           (looking-at-p "[ \t]*bootstrap[ \t]*:")))))

;;;###autoload
(add-to-list 'auto-mode-alist
             '("/\\(?:Singularity\\|Apptainer\\)\\(?:\\.[^/]+\\)?\\'" . defcheck-mode))
;;;###autoload
(add-to-list 'magic-mode-alist '(defcheck--def-file-p . defcheck-mode))

;;;###autoload
(with-eval-after-load 'eglot
  (defvar eglot-server-programs)
  (add-to-list 'eglot-server-programs
               `((defcheck-mode :language-id "apptainer")
                 . ,(lambda (&optional _interactive)
                      (cons defcheck-executable defcheck-lsp-arguments)))))

(provide 'defcheck-mode)
;;; defcheck-mode.el ends here
