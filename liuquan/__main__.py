from liuquan.cli import main

raise SystemExit(main())
