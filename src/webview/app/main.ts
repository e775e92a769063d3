// The chat webview's browser bundle. Its UI arrives with the chat feature (issue [5/8]).
export {};
