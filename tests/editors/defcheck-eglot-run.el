;;; defcheck-eglot-run.el --- eglot + defcheck lsp, end to end  -*- lexical-binding: t; -*-

;; Run by tests/editors/test_emacs.py in batch mode with
;;   DEFCHECK_LSP   the server command as a JSON array
;;   DEFCHECK_FILE  a definition file with a header error on line 2
;;   DEFCHECK_OUT   where to write the JSON result
;;   DEFCHECK_ELPA  extra package directories (Debian: /usr/share/emacs/site-lisp/elpa)
;; Exits with status 3 when eglot is not installed.

(require 'package)
(require 'json)
(setq package-directory-list (split-string (or (getenv "DEFCHECK_ELPA") "") ":" t))
(package-initialize)
(unless (require 'eglot nil t)
  (message "eglot is not installed")
  (kill-emacs 3))
(require 'flymake)
(require 'defcheck-mode)

(let* ((cmd (append (json-read-from-string (getenv "DEFCHECK_LSP")) nil))
       (defcheck-executable (car cmd))
       (defcheck-lsp-arguments (cdr cmd))
       (eglot-sync-connect t)
       (result nil))
  (find-file (getenv "DEFCHECK_FILE"))
  (apply #'eglot (eglot--guess-contact))
  (flymake-start)
  (let ((deadline (+ (float-time) 60)))
    (while (and (null (flymake-diagnostics)) (< (float-time) deadline))
      (accept-process-output nil 0.1)
      (unless (flymake-diagnostics) (flymake-start))))
  (setq result
        `((mode . ,(symbol-name major-mode))
          (managed . ,(if (eglot-managed-p) t :json-false))
          (language-id . ,(eglot--language-id (eglot-current-server)))
          (diagnostics
           . ,(vconcat
               (mapcar (lambda (d)
                         `((line . ,(line-number-at-pos (flymake-diagnostic-beg d)))
                           (type . ,(symbol-name (flymake-diagnostic-type d)))
                           (text . ,(flymake-diagnostic-text d))))
                       (flymake-diagnostics))))))
  (with-temp-file (getenv "DEFCHECK_OUT") (insert (json-encode result)))
  (let ((server (eglot-current-server)))
    (when server (ignore-errors (eglot-shutdown server nil 5))))
  (kill-emacs 0))
