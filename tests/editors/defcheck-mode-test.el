;;; defcheck-mode-test.el --- ERT tests for editors/emacs/defcheck-mode.el  -*- lexical-binding: t; -*-

;; Run by tests/editors/test_emacs.py:
;;   emacs --batch -Q -L editors/emacs -l defcheck-mode -l this-file -f ert-run-tests-batch-and-exit

(require 'ert)
(require 'defcheck-mode)

(defconst defcheck-test-dir (make-temp-file "defcheck-emacs" t))

(defun defcheck-test-mode-for (name content)
  "The major mode Emacs picks for a file NAME with CONTENT."
  (let ((file (expand-file-name name defcheck-test-dir)))
    (with-temp-file file (insert content))
    (let ((buf (find-file-noselect file)))
      (unwind-protect (buffer-local-value 'major-mode buf)
        (kill-buffer buf)))))

(defconst defcheck-test-example
  "Bootstrap: docker
From: alpine:3.20 # comment
Stage: build

%post -c /bin/sh
    echo {{ GREETING }}
%files from build
    /a /b
%appinstall tool
    make
%bogus
")

(ert-deftest defcheck-mode-by-name ()
  (dolist (name '("Singularity" "Singularity.gpu" "Apptainer" "Apptainer.dev"))
    (should (eq (defcheck-test-mode-for name defcheck-test-example) 'defcheck-mode))))

(ert-deftest defcheck-mode-def-by-content ()
  (should (eq (defcheck-test-mode-for "a.def" defcheck-test-example) 'defcheck-mode))
  (should (eq (defcheck-test-mode-for "b.def" "# comment\n\nbootstrap : library\n") 'defcheck-mode))
  (should-not (eq (defcheck-test-mode-for "Mod.def" "DEFINITION MODULE Mod;\nEND Mod.\n")
                  'defcheck-mode))
  (should-not (eq (defcheck-test-mode-for "x.txt" defcheck-test-example) 'defcheck-mode)))

(defun defcheck-test-face-at (text)
  "The face at the first character of TEXT in the fontified example."
  (with-temp-buffer
    (insert defcheck-test-example)
    (defcheck-mode)
    (font-lock-ensure)
    (goto-char (point-min))
    (search-forward text)
    (let ((face (get-text-property (match-beginning 0) 'face)))
      (if (listp face) face (list face)))))

(ert-deftest defcheck-mode-font-lock ()
  (should (memq 'font-lock-keyword-face (defcheck-test-face-at "Bootstrap")))
  (should (memq 'font-lock-type-face (defcheck-test-face-at "docker")))
  (should (memq 'font-lock-keyword-face (defcheck-test-face-at "From:")))
  (should (memq 'font-lock-comment-face (defcheck-test-face-at "comment")))
  (should (memq 'font-lock-function-name-face (defcheck-test-face-at "build\n")))
  (should (memq 'font-lock-builtin-face (defcheck-test-face-at "%post")))
  (should (memq 'defcheck-placeholder-face (defcheck-test-face-at "{{ GREETING }}")))
  (should (memq 'font-lock-function-name-face (defcheck-test-face-at "tool")))
  (should (memq 'defcheck-invalid-face (defcheck-test-face-at "%bogus")))
  (should-not (memq 'defcheck-invalid-face (defcheck-test-face-at "%files"))))

(ert-deftest defcheck-mode-settings ()
  (with-temp-buffer
    (defcheck-mode)
    (should (equal comment-start "# "))
    (should (derived-mode-p 'prog-mode))))

(ert-deftest defcheck-mode-imenu ()
  (with-temp-buffer
    (insert defcheck-test-example)
    (defcheck-mode)
    (should (equal (mapcar #'car (defcheck--imenu-index))
                   '("Bootstrap: docker" "%post -c" "%files from" "%appinstall tool" "%bogus")))))

(ert-deftest defcheck-mode-indent ()
  (with-temp-buffer
    (insert "Bootstrap: docker\n  From: x\n%post\necho hi\n      %runscript\nexec true\n")
    (defcheck-mode)
    (indent-region (point-min) (point-max))
    (should (equal (buffer-string)
                   "Bootstrap: docker\nFrom: x\n%post\n    echo hi\n%runscript\n    exec true\n"))))

(ert-deftest defcheck-mode-eglot-registration ()
  "The eglot entry is added when eglot loads (Emacs 29+ ships eglot; here it is simulated
when the real package is not available)."
  (unless (require 'eglot nil t)
    (defvar eglot-server-programs nil)
    (provide 'eglot))
  (let* ((entry (seq-find (lambda (e) (equal (car e) '(defcheck-mode :language-id "apptainer")))
                          eglot-server-programs))
         (contact (cdr entry)))
    (should entry)
    (should (equal (if (functionp contact) (funcall contact nil) contact)
                   '("defcheck" "lsp")))))

;;; defcheck-mode-test.el ends here
